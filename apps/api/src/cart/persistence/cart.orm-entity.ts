import {
  Column,
  CreateDateColumn,
  Entity,
  OneToMany,
  PrimaryGeneratedColumn,
  type Relation,
  UpdateDateColumn,
} from 'typeorm';

import type { CartStatus } from '../cart.repository.js';
import { CartLineOrmEntity } from './cart-line.orm-entity.js';

@Entity('carts')
export class CartOrmEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'user_id', nullable: true })
  userId!: string | null;

  @Column('text', { name: 'token_hash', nullable: true })
  tokenHash!: string | null;

  @Column('text')
  status!: CartStatus;

  @OneToMany(() => CartLineOrmEntity, (line) => line.cart)
  lines!: Relation<CartLineOrmEntity[]>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
