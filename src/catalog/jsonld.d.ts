// The one function of `jsonld` (no bundled types) the harvester uses.
declare module 'jsonld' {
  interface RemoteDocument {
    contextUrl: string | null;
    documentUrl: string;
    document: unknown;
  }
  const jsonld: {
    /** Converts a JSON-LD document to RDF; with `format: 'application/n-quads'` returns N-Quads text. */
    toRDF(
      input: unknown,
      options: { format: 'application/n-quads'; base?: string; documentLoader?: (url: string) => Promise<RemoteDocument> },
    ): Promise<string>;
  };
  export default jsonld;
}
