import type { AccessRight, AccessRightInput } from '../../core/access-rights.js';
import type { Actor, RequestContext } from '../../core/actor.js';
import type { AuditSink } from '../../core/audit-sink.js';
import type { Clock } from '../../core/clock.js';
import { getSuite, type CryptoSuite, type KeyPair } from '../../core/crypto/index.js';
import { isUniqueViolation, type Db } from '../../core/db/database.js';
import { AppError, validationError, type FieldIssue } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { authorize } from '../../core/policy.js';
import type { ConfAccessRight, GlobalConf, SignedGlobalConf } from '../protocol/globalconf.js';
import { isIdPart, parseMemberId, parseSubsystemId } from '../protocol/identifiers.js';
import { presentAccessRight, type CenterAccessRightStore } from './access-rights.js';
import './center.policy.js';
import * as repo from './center.repository.js';
import type { MemberRow, NodeRow, ServiceRow } from './center.repository.js';
import { checkNodeTlsKey, createTrustRoot, issueNodeCertificate, loadTrustRoot, type TrustRoot } from './trust-root.js';

/** What the center is built from (injected: database, audit, clock, the platform's keys). */
export interface CenterDeps {
  db: Db;
  audit: AuditSink;
  clock: Clock;
  accessRights: CenterAccessRightStore;
  /** The platform's signing key signs the global configuration. */
  signing: { suite: CryptoSuite; keyPair: KeyPair; fingerprint: string };
  /** Seals the CA private key at rest with the platform's data key. */
  secrets: { seal(plain: string): string; open(sealed: string): string };
  instance: string;
  confValidityMs: number;
}

export interface Member {
  id: string;
  memberClass: string;
  memberCode: string;
  name: string;
  createdAt: string;
}

export interface NodeRegistration {
  id: string;
  memberId: string;
  subsystems: string[];
  address: string;
  signSuite: string;
  status: NodeRow['status'];
  certificatePem: string | null;
  certFingerprint: string | null;
  certNotAfter: string | null;
  createdAt: string;
  decidedAt: string | null;
}

export interface Service {
  id: string;
  subsystemId: string;
  code: string;
  title: string;
  openapi: unknown;
  catalogResourceId: string | null;
  createdAt: string;
}

const presentMember = (r: MemberRow): Member => ({ id: r.id, memberClass: r.member_class, memberCode: r.member_code, name: r.name, createdAt: r.created_at });

const presentNode = (r: NodeRow): NodeRegistration => ({
  id: r.id,
  memberId: r.member_id,
  subsystems: JSON.parse(r.subsystems) as string[],
  address: r.address,
  signSuite: r.sign_suite,
  status: r.status,
  certificatePem: r.cert_pem,
  certFingerprint: r.cert_fingerprint,
  certNotAfter: r.cert_not_after,
  createdAt: r.created_at,
  decidedAt: r.decided_at,
});

const presentService = (r: ServiceRow): Service => ({
  id: r.id,
  subsystemId: r.subsystem_id,
  code: r.code,
  title: r.title,
  openapi: r.openapi === null ? null : (JSON.parse(r.openapi) as unknown),
  catalogResourceId: r.catalog_resource_id,
  createdAt: r.created_at,
});

/**
 * The exchange center: the registry of members, subsystems, nodes and services, the access rights,
 * the trust root that certifies nodes, and the signed global configuration nodes download.
 */
export class ExchangeCenter {
  private root: Promise<TrustRoot> | undefined;

  constructor(readonly deps: CenterDeps) {}

  /** The trust root, created on first use (10-year ECDSA P-256 root, key sealed in the database). */
  trustRoot(): Promise<TrustRoot> {
    this.root ??= (async () => {
      let row = await repo.findCa(this.deps.db);
      if (!row) {
        const created = await createTrustRoot(`zhengtong ${this.deps.instance} root`, this.deps.clock.now());
        row = await repo.insertCaIfAbsent(this.deps.db, created.certPem, this.deps.secrets.seal(created.keyPem), this.deps.clock.now().toISOString());
      }
      return loadTrustRoot(row.cert_pem, this.deps.secrets.open(row.sealed_key));
    })();
    this.root.catch(() => (this.root = undefined));
    return this.root;
  }

  /** What a node pins at init: the instance, the center's signing key and the trust root. */
  async info(): Promise<{ instance: string; suite: 'ed25519' | 'sm2'; publicKey: string; fingerprint: string; trustRootPem: string }> {
    const { suite, keyPair, fingerprint } = this.deps.signing;
    return {
      instance: this.deps.instance,
      suite: suite.name,
      publicKey: suite.exportPublicKey(keyPair.publicKey),
      fingerprint,
      trustRootPem: (await this.trustRoot()).certPem,
    };
  }

  // ── members ────────────────────────────────────────────────────────────────

  /**
   * Registers a member (a department, `INSTANCE/CLASS/USCC`).
   *
   * @throws VALIDATION_FAILED, EXCHANGE_MEMBER_EXISTS, AUTH_FORBIDDEN
   */
  async createMember(actor: Actor, ctx: RequestContext, input: { memberClass: string; memberCode: string; name: string }): Promise<Member> {
    authorize(actor, 'exchange.member.create');
    const issues: FieldIssue[] = [];
    if (!isIdPart(input.memberClass)) issues.push({ field: 'body.memberClass', reason: '应为字母、数字、.、_、-（1–64）(letters, digits, . _ -)' });
    if (!isIdPart(input.memberCode)) issues.push({ field: 'body.memberCode', reason: '应为字母、数字、.、_、-（1–64）(letters, digits, . _ -)' });
    if (input.name.trim() === '') issues.push({ field: 'body.name', reason: '不能为空 (must not be empty)' });
    if (issues.length) throw validationError(issues);
    const row: MemberRow = {
      id: `${this.deps.instance}/${input.memberClass}/${input.memberCode}`,
      instance: this.deps.instance,
      member_class: input.memberClass,
      member_code: input.memberCode,
      name: input.name.trim(),
      created_at: this.deps.clock.now().toISOString(),
    };
    try {
      await this.deps.db.transaction().execute(async (trx) => {
        await repo.insertMember(trx, row);
        await this.deps.audit.append(trx, {
          actor,
          context: ctx,
          action: 'exchange.member.create',
          subject: { type: 'exchange-member', id: row.id },
          summary: { name: row.name },
        });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError('EXCHANGE_MEMBER_EXISTS', `成员 ${row.id} 已登记`, { field: 'body.memberCode' });
      throw e;
    }
    return presentMember(row);
  }

  async listMembers(actor: Actor): Promise<Member[]> {
    authorize(actor, 'exchange.read');
    return (await repo.listMembers(this.deps.db)).map(presentMember);
  }

  // ── node registration ──────────────────────────────────────────────────────

  /**
   * A node asks to join (anyone may ask; an administrator decides). The request names the member,
   * the subsystems it will serve, its address and its two public keys (TLS, message signing).
   *
   * @throws VALIDATION_FAILED, EXCHANGE_MEMBER_NOT_FOUND
   */
  async submitRegistration(
    ctx: RequestContext,
    input: { memberId: string; subsystems: string[]; address: string; tlsPublicKey: string; signSuite: string; signPublicKey: string },
  ): Promise<NodeRegistration> {
    const issues: FieldIssue[] = [];
    const member = parseMemberId(input.memberId);
    if (!member || member.instance !== this.deps.instance)
      issues.push({ field: 'body.memberId', reason: `应为 ${this.deps.instance}/CLASS/CODE (must be a member of this instance)` });
    input.subsystems.forEach((s, i) => {
      if (!isIdPart(s)) issues.push({ field: `body.subsystems.${i}`, reason: '应为字母、数字、.、_、-（1–64）(letters, digits, . _ -)' });
    });
    let url: URL | undefined;
    try {
      url = new URL(input.address);
      if (url.protocol !== 'https:' || url.pathname !== '/' || url.search || url.username) throw new Error();
    } catch {
      issues.push({ field: 'body.address', reason: '应为 https://主机:端口 (must be https://host:port)' });
    }
    let tls = '';
    try {
      tls = checkNodeTlsKey(input.tlsPublicKey, 'body.tlsPublicKey');
    } catch (e) {
      issues.push(...((e as AppError).details!.fields as FieldIssue[]));
    }
    try {
      getSuite(input.signSuite).importPublicKey(input.signPublicKey);
    } catch {
      issues.push({ field: 'body.signPublicKey', reason: '不是该密码套件的公钥 (not a public key of the suite)' });
    }
    if (issues.length) throw validationError(issues);
    if (!(await repo.findMember(this.deps.db, input.memberId)))
      throw new AppError('EXCHANGE_MEMBER_NOT_FOUND', `成员 ${input.memberId} 未登记`, { field: 'body.memberId' });
    const row: NodeRow = {
      id: newId(),
      member_id: input.memberId,
      subsystems: JSON.stringify([...new Set(input.subsystems)]),
      address: url!.origin,
      tls_public_key: tls,
      sign_suite: input.signSuite,
      sign_public_key: input.signPublicKey,
      status: 'pending',
      cert_pem: null,
      cert_fingerprint: null,
      cert_not_after: null,
      created_at: this.deps.clock.now().toISOString(),
      decided_at: null,
    };
    await this.deps.db.transaction().execute(async (trx) => {
      await repo.insertNode(trx, row);
      await this.deps.audit.append(trx, {
        actor: { type: 'anonymous', roles: [], name: `node:${row.id}` },
        context: ctx,
        action: 'exchange.node.register',
        subject: { type: 'exchange-node', id: row.id },
        summary: { memberId: row.member_id, subsystems: JSON.parse(row.subsystems) as unknown, address: row.address },
      });
    });
    return presentNode(row);
  }

  /** A registration's state and, once approved, its certificate (public: certificates are not secret). */
  async getRegistration(id: string): Promise<NodeRegistration> {
    const row = await repo.findNode(this.deps.db, id);
    if (!row) throw new AppError('EXCHANGE_REGISTRATION_NOT_FOUND', `节点注册申请 ${id} 不存在`);
    return presentNode(row);
  }

  async listRegistrations(actor: Actor, status?: NodeRow['status']): Promise<NodeRegistration[]> {
    authorize(actor, 'exchange.read');
    return (await repo.listNodes(this.deps.db, status)).map(presentNode);
  }

  /**
   * Approves a pending registration: issues the node's certificate, creates its subsystems (or
   * moves them to this node) and audits it. The node appears in the next global configuration.
   *
   * @throws EXCHANGE_REGISTRATION_NOT_FOUND, EXCHANGE_REGISTRATION_DECIDED, AUTH_FORBIDDEN
   */
  async approveRegistration(actor: Actor, ctx: RequestContext, id: string): Promise<NodeRegistration> {
    authorize(actor, 'exchange.node.decide');
    const row = await repo.findNode(this.deps.db, id);
    if (!row) throw new AppError('EXCHANGE_REGISTRATION_NOT_FOUND', `节点注册申请 ${id} 不存在`);
    if (row.status !== 'pending') throw new AppError('EXCHANGE_REGISTRATION_DECIDED', `节点注册申请 ${id} 已处理（${row.status}）`, { status: row.status });
    const now = this.deps.clock.now();
    const cert = await issueNodeCertificate(await this.trustRoot(), {
      nodeId: row.id,
      memberId: row.member_id,
      publicKeyPem: row.tls_public_key,
      host: new URL(row.address).hostname,
      now,
    });
    const patch = {
      status: 'approved' as const,
      cert_pem: cert.certPem,
      cert_fingerprint: cert.fingerprint,
      cert_not_after: cert.notAfter,
      decided_at: now.toISOString(),
    };
    await this.deps.db.transaction().execute(async (trx) => {
      await repo.updateNode(trx, id, patch);
      for (const code of JSON.parse(row.subsystems) as string[]) {
        const subsystemId = `${row.member_id}/${code}`;
        if (await repo.findSubsystem(trx, subsystemId)) await repo.setSubsystemNode(trx, subsystemId, row.id);
        else await repo.insertSubsystem(trx, { id: subsystemId, member_id: row.member_id, code, node_id: row.id, created_at: now.toISOString() });
      }
      await this.deps.audit.append(trx, {
        actor,
        context: ctx,
        action: 'exchange.node.approve',
        subject: { type: 'exchange-node', id },
        summary: { memberId: row.member_id, certFingerprint: cert.fingerprint, certNotAfter: cert.notAfter },
      });
    });
    return presentNode({ ...row, ...patch });
  }

  /** @throws EXCHANGE_REGISTRATION_NOT_FOUND, EXCHANGE_REGISTRATION_DECIDED, AUTH_FORBIDDEN */
  async rejectRegistration(actor: Actor, ctx: RequestContext, id: string, reason: string): Promise<NodeRegistration> {
    authorize(actor, 'exchange.node.decide');
    const row = await repo.findNode(this.deps.db, id);
    if (!row) throw new AppError('EXCHANGE_REGISTRATION_NOT_FOUND', `节点注册申请 ${id} 不存在`);
    if (row.status !== 'pending') throw new AppError('EXCHANGE_REGISTRATION_DECIDED', `节点注册申请 ${id} 已处理（${row.status}）`, { status: row.status });
    const patch = { status: 'rejected' as const, decided_at: this.deps.clock.now().toISOString() };
    await this.deps.db.transaction().execute(async (trx) => {
      await repo.updateNode(trx, id, patch);
      await this.deps.audit.append(trx, { actor, context: ctx, action: 'exchange.node.reject', subject: { type: 'exchange-node', id }, summary: { reason } });
    });
    return presentNode({ ...row, ...patch });
  }

  // ── services ───────────────────────────────────────────────────────────────

  /** @throws VALIDATION_FAILED, EXCHANGE_SUBSYSTEM_NOT_FOUND, EXCHANGE_SERVICE_EXISTS, AUTH_FORBIDDEN */
  async createService(
    actor: Actor,
    ctx: RequestContext,
    input: { subsystemId: string; code: string; title: string; openapi?: unknown; catalogResourceId?: string | null },
  ): Promise<Service> {
    authorize(actor, 'exchange.service.manage');
    const issues: FieldIssue[] = [];
    if (!parseSubsystemId(input.subsystemId))
      issues.push({ field: 'body.subsystemId', reason: '应为 INSTANCE/CLASS/MEMBER/SUBSYSTEM (must be a subsystem identifier)' });
    if (!isIdPart(input.code)) issues.push({ field: 'body.code', reason: '应为字母、数字、.、_、-（1–64）(letters, digits, . _ -)' });
    if (issues.length) throw validationError(issues);
    if (!(await repo.findSubsystem(this.deps.db, input.subsystemId)))
      throw new AppError('EXCHANGE_SUBSYSTEM_NOT_FOUND', `子系统 ${input.subsystemId} 不存在`, { field: 'body.subsystemId' });
    const now = this.deps.clock.now().toISOString();
    const row: ServiceRow = {
      id: `${input.subsystemId}/${input.code}`,
      subsystem_id: input.subsystemId,
      code: input.code,
      title: input.title.trim(),
      openapi: input.openapi === undefined || input.openapi === null ? null : JSON.stringify(input.openapi),
      catalog_resource_id: input.catalogResourceId ?? null,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.deps.db.transaction().execute(async (trx) => {
        await repo.insertService(trx, row);
        await this.deps.audit.append(trx, {
          actor,
          context: ctx,
          action: 'exchange.service.create',
          subject: { type: 'exchange-service', id: row.id },
          summary: { title: row.title, catalogResourceId: row.catalog_resource_id },
        });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError('EXCHANGE_SERVICE_EXISTS', `服务 ${row.id} 已登记`, { field: 'body.code' });
      throw e;
    }
    return presentService(row);
  }

  async listServices(actor: Actor): Promise<Service[]> {
    authorize(actor, 'exchange.read');
    return (await repo.listServices(this.deps.db)).map(presentService);
  }

  // ── access rights entered by hand (the catalog grants through the store directly) ──

  async grantAccessRight(actor: Actor, ctx: RequestContext, input: Omit<AccessRightInput, 'source'>): Promise<AccessRight> {
    authorize(actor, 'exchange.access-right.manage');
    return this.deps.db.transaction().execute(async (trx) => {
      const right = await this.deps.accessRights.grant(trx, { ...input, source: 'manual' }).catch((e: unknown) => {
        // Field names of the store are those of the body.
        if (e instanceof AppError && e.code === 'VALIDATION_FAILED')
          throw validationError((e.details!.fields as FieldIssue[]).map((f) => ({ ...f, field: `body.${f.field}` })));
        throw e;
      });
      await this.deps.audit.append(trx, {
        actor,
        context: ctx,
        action: 'exchange.access-right.grant',
        subject: { type: 'exchange-access-right', id: right.id },
        summary: {
          consumer: right.consumer,
          service: right.service,
          endpoints: right.endpoints,
          fields: right.fields,
          purpose: right.purpose,
          validUntil: right.validUntil,
        },
      });
      return right;
    });
  }

  async revokeAccessRight(actor: Actor, ctx: RequestContext, id: string, reason: string): Promise<AccessRight> {
    authorize(actor, 'exchange.access-right.manage');
    return this.deps.db.transaction().execute(async (trx) => {
      await this.deps.accessRights.revoke(trx, id, reason);
      await this.deps.audit.append(trx, {
        actor,
        context: ctx,
        action: 'exchange.access-right.revoke',
        subject: { type: 'exchange-access-right', id },
        summary: { reason },
      });
      return (await this.deps.accessRights.get(trx, id))!;
    });
  }

  async listAccessRights(actor: Actor, f: { service?: string; consumer?: string; includeRevoked?: boolean }): Promise<AccessRight[]> {
    authorize(actor, 'exchange.read');
    return (await repo.listAccessRights(this.deps.db, f)).map(presentAccessRight);
  }

  // ── global configuration ───────────────────────────────────────────────────

  /**
   * The signed global configuration as of now. The version increases only when the content
   * (members, nodes, services, rights) changes; each answer is signed afresh with a new expiry.
   */
  async signedGlobalConf(): Promise<SignedGlobalConf> {
    const now = this.deps.clock.now();
    const at = now.toISOString();
    const [members, subsystems, nodes, services, rights, root] = await Promise.all([
      repo.listMembers(this.deps.db),
      repo.listSubsystems(this.deps.db),
      repo.listNodes(this.deps.db, 'approved'),
      repo.listServices(this.deps.db),
      this.deps.accessRights.inForce(this.deps.db, at),
      this.trustRoot(),
    ]);
    const content = {
      instance: this.deps.instance,
      trustRootPem: root.certPem,
      members: members.map((m) => ({ id: m.id, name: m.name })),
      nodes: nodes.map((n) => ({
        id: n.id,
        memberId: n.member_id,
        address: n.address,
        certFingerprint: n.cert_fingerprint!,
        signSuite: n.sign_suite as 'ed25519' | 'sm2',
        signPublicKey: n.sign_public_key,
        subsystems: subsystems.filter((s) => s.node_id === n.id).map((s) => s.id),
      })),
      services: services.map((s) => ({
        id: s.id,
        title: s.title,
        hasOpenApi: s.openapi !== null,
        openapi: s.openapi === null ? null : (JSON.parse(s.openapi) as unknown),
      })),
      accessRights: rights.map((r): ConfAccessRight => ({
        id: r.id,
        consumer: r.consumer,
        service: r.service,
        endpoints: r.endpoints,
        fields: r.fields,
        purpose: r.purpose,
        validFrom: r.validFrom,
        validUntil: r.validUntil,
      })),
    };
    const { suite, keyPair, fingerprint } = this.deps.signing;
    const contentHash = suite.hash(JSON.stringify(content)).toString('hex');
    const latest = await repo.latestConfVersion(this.deps.db);
    let version = latest?.version ?? 0;
    if (latest?.content_hash !== contentHash) {
      version += 1;
      await repo.insertConfVersion(this.deps.db, version, contentHash, at);
    }
    const conf: GlobalConf = {
      format: 'zhengtong-globalconf/1',
      version,
      generatedAt: at,
      expiresAt: new Date(now.getTime() + this.deps.confValidityMs).toISOString(),
      ...content,
    };
    const text = JSON.stringify(conf);
    return {
      conf: text,
      suite: suite.name,
      keyFingerprint: fingerprint,
      signature: suite.sign(keyPair.privateKey, Buffer.from(text, 'utf8')).toString('base64'),
    };
  }
}
