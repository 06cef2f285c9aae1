import { Initial1732500000000 } from './1732500000000-initial.js';
import { Auth1732500001000 } from './1732500001000-auth.js';
import { Catalog1732500002000 } from './1732500002000-catalog.js';
import { Carts1732500003000 } from './1732500003000-carts.js';
import { Orders1732500004000 } from './1732500004000-orders.js';
import { ProcessedJobs1764000000000 } from './1764000000000-processed-jobs.js';
import { PaymentEvents1764072000000 } from './1764072000000-payment-events.js';
import { OrderCheckout1764080000000 } from './1764080000000-order-checkout.js';
import { CatalogImports1764090000000 } from './1764090000000-catalog-imports.js';
import { Reports1764093600000 } from './1764093600000-reports.js';
import { RefundBookings1764100800000 } from './1764100800000-refund-bookings.js';
import { RefundFailures1764187200000 } from './1764187200000-refund-failures.js';
import { EmailNfkc1764200000000 } from './1764200000000-email-nfkc.js';
import { PaymentReview1764300000000 } from './1764300000000-payment-review.js';
import { PaymentEventClaims1764400000000 } from './1764400000000-payment-event-claims.js';
import { OrdersAwaitingRefund1764400001000 } from './1764400001000-orders-awaiting-refund.js';
import { ReturnedOutside1764500000000 } from './1764500000000-returned-outside.js';
import { ForeignPayments1764600000000 } from './1764600000000-foreign-payments.js';
import { RefreshSessionEnd1764700000000 } from './1764700000000-refresh-session-end.js';
import { StoredCheckoutReplies1764700001000 } from './1764700001000-stored-checkout-replies.js';
import { PasswordChanges1764800000000 } from './1764800000000-password-changes.js';
import { AccountListing1764900000000 } from './1764900000000-account-listing.js';
import { AccountAccessNotify1765000000000 } from './1765000000000-account-access-notify.js';
import { CheckoutRefusal1765100000000 } from './1765100000000-checkout-refusal.js';
import { AccountSearch1765200000000 } from './1765200000000-account-search.js';
import { FormerSlugs1765300000000 } from './1765300000000-former-slugs.js';
import { ImportRunner1765400000000 } from './1765400000000-import-runner.js';
import { CatchUpSweep1765500000000 } from './1765500000000-catch-up-sweep.js';
import { PaymentEventArrival1765600000000 } from './1765600000000-payment-event-arrival.js';
import { RefundSettlement1765700000000 } from './1765700000000-refund-settlement.js';
import { ClosedGuestCarts1765800000000 } from './1765800000000-closed-guest-carts.js';
import { GuestCartMergedBy1765900000000 } from './1765900000000-guest-cart-merged-by.js';
import { RefundBookingNames1766100000000 } from './1766100000000-refund-booking-names.js';
import { SessionEndedNotify1766200000000 } from './1766200000000-session-ended-notify.js';
import { CheckoutRequestHash1766300000000 } from './1766300000000-checkout-request-hash.js';

/**
 * Every migration, in order. Listed explicitly rather than globbed so the
 * compiled app, the CLI and the tests (running TypeScript) load the same set.
 */
export const migrations = [
  Initial1732500000000,
  Auth1732500001000,
  Catalog1732500002000,
  Carts1732500003000,
  Orders1732500004000,
  PaymentEvents1764072000000,
  ProcessedJobs1764000000000,
  OrderCheckout1764080000000,
  CatalogImports1764090000000,
  Reports1764093600000,
  RefundBookings1764100800000,
  RefundFailures1764187200000,
  EmailNfkc1764200000000,
  PaymentReview1764300000000,
  PaymentEventClaims1764400000000,
  OrdersAwaitingRefund1764400001000,
  ReturnedOutside1764500000000,
  ForeignPayments1764600000000,
  RefreshSessionEnd1764700000000,
  StoredCheckoutReplies1764700001000,
  PasswordChanges1764800000000,
  AccountListing1764900000000,
  AccountAccessNotify1765000000000,
  CheckoutRefusal1765100000000,
  AccountSearch1765200000000,
  FormerSlugs1765300000000,
  ImportRunner1765400000000,
  CatchUpSweep1765500000000,
  PaymentEventArrival1765600000000,
  RefundSettlement1765700000000,
  ClosedGuestCarts1765800000000,
  GuestCartMergedBy1765900000000,
  RefundBookingNames1766100000000,
  SessionEndedNotify1766200000000,
  CheckoutRequestHash1766300000000,
];
