/**
 * Port: moves a guest cart (identified by its `X-Cart-Token`) into a user's
 * cart. Register and login call it when the request carries the header.
 * Provided by the cart feature (from a global module); auth works without it.
 */
export abstract class GuestCartAbsorber {
  abstract absorb(userId: string, cartToken: string): Promise<void>;
}
