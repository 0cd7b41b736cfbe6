import { ArgsType, Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { PageArgs, PageInfoData } from './pagination';

export enum OrderDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(OrderDirection, {
  name: 'OrderDirection',
  description: 'Which way a list runs over its order field; items with equal values keep one fixed order, so pages neither skip nor repeat them.',
  valuesConfig: {
    ASC: { description: 'Smallest first: A to Z, oldest first.' },
    DESC: { description: 'Largest first: Z to A, newest first.' },
  },
});

@ObjectType({ simpleResolvers: true, description: 'Where a page stands in its list (Relay cursor connections).' })
export class PageInfo implements PageInfoData {
  @Field({ description: 'More items follow the last edge.' })
  hasNextPage: boolean;

  @Field({ description: 'Items come before the first edge.' })
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true, description: 'The first edge’s cursor; null when the page is empty.' })
  startCursor: string | null;

  @Field(() => String, { nullable: true, description: 'The last edge’s cursor, to pass as `after` for the next page; null when the page is empty.' })
  endCursor: string | null;
}

@ArgsType()
export class PageArgsType implements PageArgs {
  @Field(() => Int, { nullable: true, description: 'Items after `after`; at most MAX_PAGE_SIZE (default 100).' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'A cursor from this list; the page starts after it.' })
  after?: string | null;

  @Field(() => Int, { nullable: true, description: 'Items before `before`; at most MAX_PAGE_SIZE (default 100).' })
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'A cursor from this list; the page ends before it.' })
  before?: string | null;
}

/** A value or the function that computes it: graphql-js' default resolver calls functions. */
export type Lazy<T> = T | (() => T | Promise<T>);

export interface ConnectionData<TEdge> {
  edges: TEdge[];
  pageInfo: PageInfoData;
  /** Counted only when asked for: counting a large list costs more than a page of it. */
  totalCount: Lazy<number>;
}

/**
 * The Relay connection fields, for one edge type. The concrete classes exist only to name the
 * GraphQL types; the values are plain objects (simple resolvers: no per-field wrapper).
 */
export function ConnectionType<TEdge>(edgeType: new () => TEdge) {
  @ObjectType({ simpleResolvers: true })
  abstract class Connection implements ConnectionData<TEdge> {
    @Field(() => [edgeType], { description: 'The page’s items with their cursors, in the list’s order (also with `last`/`before`).' })
    edges: TEdge[];

    @Field(() => PageInfo, { description: 'Whether more items come before or after this page, and its cursors.' })
    pageInfo: PageInfo;

    @Field(() => Int, { description: 'How many items the whole list has, with the same filter.' })
    totalCount: Lazy<number>;
  }
  return Connection;
}

export function EdgeType<TNode>(nodeType: new () => TNode) {
  @ObjectType({ simpleResolvers: true })
  abstract class Edge {
    @Field({ description: 'Pass it as `after` or `before` to page from this edge.' })
    cursor: string;

    @Field(() => nodeType, { description: 'The item.' })
    node: TNode;
  }
  return Edge;
}
