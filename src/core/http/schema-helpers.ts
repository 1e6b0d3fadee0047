import { Type, type TSchema, type TUnsafe } from 'typebox';

/**
 * A string enum as a plain JSON Schema `enum` (one clear validation error, unlike a union of literals).
 *
 * @example const Kind = StringEnum(['staff', 'citizen'] as const);
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string; default?: T[number] } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** An object schema that rejects unknown properties. */
export function StrictObject<T extends Record<string, TSchema>>(properties: T, options: { description?: string; title?: string } = {}) {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

/** The one error body every route returns on failure (documented once, referenced everywhere). */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable error code, see ERROR_CODES' }),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
    requestId: Type.String(),
  },
  { $id: 'ErrorBody', title: 'ErrorBody' },
);

/** Standard error responses to add to a route schema. */
export const errorResponses = {
  400: Type.Ref('ErrorBody'),
  401: Type.Ref('ErrorBody'),
  403: Type.Ref('ErrorBody'),
  404: Type.Ref('ErrorBody'),
  409: Type.Ref('ErrorBody'),
} as const;
