import { cartScenarios } from '../cart-scenarios.js';
import { expectStatus, type Scenario } from '../scenario.js';
import { products } from './fixtures.js';

// The cart feature's scenarios (cart-scenarios.ts), on products made through the admin API.
const cart = cartScenarios({
  expectStatus,
  variantIds: async (ctx, n) =>
    (await products(ctx as Parameters<Scenario['setup']>[0], n)).map((p) => p.variantId),
});

export const getCart: Scenario = cart.getCart as Scenario;
export const addToCart: Scenario = cart.addToCart as Scenario;
