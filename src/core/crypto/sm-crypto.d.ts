// Types for the devDependency `sm-crypto` 0.5 (it ships none). Only the interoperability tests
// use it — never production code, which uses sm-crypto-v2.
declare module 'sm-crypto' {
  interface Sm2SignOptions {
    der?: boolean;
    /** Default true in sm-crypto 0.5: e = SM3(Z ‖ M). */
    hash?: boolean;
    publicKey?: string;
    userId?: string;
  }
  const smCrypto: {
    sm2: {
      generateKeyPairHex(): { privateKey: string; publicKey: string };
      getPublicKeyFromPrivateKey(privateKey: string): string;
      doSignature(msg: string | number[], privateKey: string, options?: Sm2SignOptions): string;
      doVerifySignature(msg: string | number[], signHex: string, publicKey: string, options?: Omit<Sm2SignOptions, 'publicKey'>): boolean;
    };
    sm3(input: string | number[]): string;
  };
  export = smCrypto;
}
