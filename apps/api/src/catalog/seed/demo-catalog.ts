import { slugify } from '@minishop/domain';

/** The demo catalog: fixed lists, so every run produces the same slugs and SKUs. */
export const DEMO_CATEGORIES: { name: string; children: string[] }[] = [
  { name: 'Kitchen', children: ['Cookware', 'Tableware', 'Coffee and Tea'] },
  { name: 'Home', children: ['Lighting', 'Textiles', 'Storage'] },
  { name: 'Outdoors', children: ['Garden', 'Camping'] },
  { name: 'Stationery', children: ['Notebooks', 'Pens'] },
];

const NOUNS: [string, string][] = [
  ['Frying Pan', 'Cookware'],
  ['Saucepan', 'Cookware'],
  ['Dinner Plate', 'Tableware'],
  ['Cereal Bowl', 'Tableware'],
  ['Mug', 'Coffee and Tea'],
  ['Teapot', 'Coffee and Tea'],
  ['Desk Lamp', 'Lighting'],
  ['Pendant Light', 'Lighting'],
  ['Cushion', 'Textiles'],
  ['Throw Blanket', 'Textiles'],
  ['Storage Box', 'Storage'],
  ['Shelf Basket', 'Storage'],
  ['Watering Can', 'Garden'],
  ['Plant Pot', 'Garden'],
  ['Camping Stool', 'Camping'],
  ['Lantern', 'Camping'],
  ['Notebook', 'Notebooks'],
  ['Sketchbook', 'Notebooks'],
  ['Fountain Pen', 'Pens'],
  ['Kitchen', 'Kitchen'],
];
const ADJECTIVES = [
  'Classic',
  'Nordic',
  'Rustic',
  'Modern',
  'Vintage',
  'Compact',
  'Deluxe',
  'Everyday',
  'Handmade',
  'Minimal',
  'Sturdy',
  'Coastal',
];
const SIZES = ['Small', 'Medium', 'Large'];

export interface DemoVariant {
  sku: string;
  name: string;
  price: number;
  stock: number;
}

export interface DemoProduct {
  slug: string;
  name: string;
  description: string;
  category: string;
  variants: DemoVariant[];
}

/** 240 products (12 adjectives × 20 nouns), 1–3 variants each. */
export function demoProducts(): DemoProduct[] {
  const products: DemoProduct[] = [];
  let i = 0;
  for (const [noun, category] of NOUNS) {
    for (const adjective of ADJECTIVES) {
      const name = noun === 'Kitchen' ? `${adjective} Kitchen Towel` : `${adjective} ${noun}`;
      const slug = slugify(name);
      const base = 500 + ((i * 7919) % 9500);
      products.push({
        slug,
        name,
        description: `A ${adjective.toLowerCase()} ${name.split(' ').slice(1).join(' ').toLowerCase()} for everyday use.`,
        category: slugify(category),
        variants: SIZES.slice(0, 1 + (i % 3)).map((size, k) => ({
          sku: `${slug.toUpperCase()}-${size.slice(0, 1)}`,
          name: size,
          price: base + k * 250,
          stock: ((i * 13) % 50) + k * 5,
        })),
      });
      i++;
    }
  }
  return products;
}

/**
 * The demo accounts. No passwords here: anything in the source is known to
 * whoever can read it, so each is configured or random per seed.
 */
export const DEMO_ACCOUNTS = [
  {
    email: 'admin@minishop.test',
    role: 'admin',
    name: 'Demo Admin',
    passwordVariable: 'DEMO_ADMIN_PASSWORD',
  },
  {
    email: 'customer@minishop.test',
    role: 'customer',
    name: 'Demo Customer',
    passwordVariable: 'DEMO_CUSTOMER_PASSWORD',
  },
] as const;
