/**
 * Port: folds a guest cart into the user's cart when they sign in or register
 * with an X-Cart-Token. Implemented by the cart module.
 */
export abstract class GuestCartAbsorber {
  abstract absorb(userId: string, cartToken: string): Promise<void>;
}
