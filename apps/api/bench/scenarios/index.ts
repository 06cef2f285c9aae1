import type { Scenario } from '../scenario.js';
import { login } from './auth.js';
import { baselineHello } from './baseline-hello.js';
import { addToCart, getCart } from './cart.js';
import {
  productBySlug,
  productsListCached,
  productsListCachedCompressed,
  productsListUncached,
} from './catalog.js';
import { checkout, checkoutAtRate, checkoutAtScaledRate, checkoutOnly } from './checkout.js';
import { healthLive, healthReady } from './health.js';
import { openapiDocument } from './openapi.js';
import { stripeWebhook } from './payments.js';

/** Every scenario, in the order they run; a feature appends its own. */
export const scenarios: Scenario[] = [
  baselineHello,
  healthLive,
  healthReady,
  openapiDocument,
  productsListCached,
  productsListCachedCompressed,
  productsListUncached,
  productBySlug,
  getCart,
  addToCart,
  checkout,
  checkoutOnly,
  checkoutAtRate,
  checkoutAtScaledRate,
  stripeWebhook,
  login,
];
