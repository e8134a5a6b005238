// taskcluster-lib-scopes ships no type definitions; these cover what this package calls.
declare module 'taskcluster-lib-scopes' {
  type Expression = string | { AllOf: Expression[] } | { AnyOf: Expression[] };
  const scopeUtils: {
    satisfiesExpression(scopeset: string[], expression: Expression): boolean;
    /** What of `expression` the scopeset does not grant; null when it grants all of it. */
    removeGivenScopes(scopeset: string[], expression: Expression): Expression | null;
  };
  export default scopeUtils;
}
