/**
 * A parse plan: the JSON shape a message schema expects, reduced to what a parser needs. Plans
 * are plain data, made once per schema by `planForSchema` and turned into a parser by
 * `compilePlan`. A plan only says what the fast parser may meet; it validates nothing, and input
 * of any other shape simply leaves the fast path.
 */
export type JsonPlan = StringPlan | NumberPlan | BooleanPlan | ObjectPlan | ArrayPlan;

interface PlanBase {
  /** `null` is accepted in place of the value (a `.nullable()` schema). */
  readonly nullable: boolean;
}

export interface StringPlan extends PlanBase {
  readonly kind: "string";
}

export interface NumberPlan extends PlanBase {
  readonly kind: "number";
}

export interface BooleanPlan extends PlanBase {
  readonly kind: "boolean";
}

/** One expected key of an object and the plan of its value. */
export interface PlanField {
  readonly key: string;
  readonly plan: JsonPlan;
  /** The schema lets the key be absent (`optional`, `default`, `catch`...). */
  readonly optional: boolean;
}

export interface ObjectPlan extends PlanBase {
  readonly kind: "object";
  /** In the schema's order, which is the order the parser expects them in. */
  readonly fields: readonly PlanField[];
  /**
   * What the schema does with keys it does not declare: `drop` for a stripping or strict object
   * (neither sends them), `keep` for a loose object or one with a catchall schema. The parser
   * leaves the fast path for any undeclared key either way; the writer writes only declared keys
   * and, for `keep`, steps aside when the value has others.
   */
  readonly extraKeys: "drop" | "keep";
  /**
   * Declared keys left out of the plan because their value may be anything (an optional
   * `unknown` or `any`, such as the hello's credentials). The parser treats them as unknown keys
   * (general path); the writer steps aside when the value has one.
   */
  readonly unplanned: readonly string[];
}

export interface ArrayPlan extends PlanBase {
  readonly kind: "array";
  readonly element: JsonPlan;
}

/** Deepest object/array nesting a plan may describe. */
export const MAX_PLAN_DEPTH = 16;

/**
 * Most nodes (fields, elements, wrappers) one plan may hold. It bounds the generated parser's
 * size, and a self-referencing schema cannot grow a huge plan.
 */
export const MAX_PLAN_NODES = 512;

/** Nesting depth of objects and arrays in `plan`: `{}` is 1, `{"a":[1]}` is 2, a string 0. */
export function planDepth(plan: JsonPlan): number {
  switch (plan.kind) {
    case "object": {
      let deepest = 0;
      for (const field of plan.fields) deepest = Math.max(deepest, planDepth(field.plan));
      return deepest + 1;
    }
    case "array":
      return planDepth(plan.element) + 1;
    default:
      return 0;
  }
}
