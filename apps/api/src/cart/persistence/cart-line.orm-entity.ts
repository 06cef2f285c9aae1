import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
  UpdateDateColumn,
} from 'typeorm';

import { CartOrmEntity } from './cart.orm-entity.js';

@Entity('cart_lines')
export class CartLineOrmEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'cart_id' })
  cartId!: string;

  @ManyToOne(() => CartOrmEntity, (cart) => cart.lines, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cart_id' })
  cart!: Relation<CartOrmEntity>;

  @Column('uuid', { name: 'variant_id' })
  variantId!: string;

  @Column('integer')
  quantity!: number;

  /** bigint: pg returns a string; the mapper turns it into a number of minor units. */
  @Column('bigint', { name: 'added_unit_price' })
  addedUnitPrice!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
