import { ArgsType, Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { PageArgs, PageInfoData } from './pagination';

export enum OrderDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(OrderDirection, { name: 'OrderDirection' });

@ObjectType({ simpleResolvers: true, description: 'Where a page stands in its list (Relay cursor connections).' })
export class PageInfo implements PageInfoData {
  @Field({ description: 'More items follow the last edge.' })
  hasNextPage: boolean;

  @Field({ description: 'Items come before the first edge.' })
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true })
  startCursor: string | null;

  @Field(() => String, { nullable: true })
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
    @Field(() => [edgeType])
    edges: TEdge[];

    @Field(() => PageInfo)
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

    @Field(() => nodeType)
    node: TNode;
  }
  return Edge;
}
