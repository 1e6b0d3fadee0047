/**
 * The one table of stable error codes. Every error the platform returns carries one of these
 * codes; the HTTP layer maps a code to its status and its message (Chinese first, English too).
 * Add new codes here, never inline in a handler. Codes are part of the public API: never rename.
 */
export const ERROR_CODES = {
  // generic request errors
  VALIDATION_FAILED: { status: 400, zh: '请求参数不合法', en: 'The request is not valid' },
  BODY_TOO_LARGE: { status: 413, zh: '请求体过大', en: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, zh: '不支持的内容类型', en: 'Unsupported content type' },
  NOT_FOUND: { status: 404, zh: '请求的资源不存在', en: 'The requested resource does not exist' },
  ROUTE_NOT_FOUND: { status: 404, zh: '接口不存在', en: 'No such route' },
  METHOD_NOT_ALLOWED: { status: 405, zh: '不支持该请求方法', en: 'Method not allowed' },
  CONFLICT: { status: 409, zh: '与现有数据冲突', en: 'Conflicts with existing data' },
  RATE_LIMITED: { status: 429, zh: '请求过于频繁，请稍后再试', en: 'Too many requests, try again later' },
  INTERNAL: { status: 500, zh: '服务器内部错误', en: 'Internal server error' },
  SERVICE_UNAVAILABLE: { status: 503, zh: '服务暂不可用', en: 'Service unavailable' },

  // authentication and authorization
  AUTH_REQUIRED: { status: 401, zh: '请先登录', en: 'Sign-in required' },
  AUTH_INVALID_CREDENTIALS: { status: 401, zh: '账号或密码错误', en: 'Wrong account or password' },
  AUTH_ACCOUNT_LOCKED: { status: 423, zh: '账号已锁定，请稍后再试', en: 'The account is locked, try again later' },
  AUTH_ACCOUNT_DISABLED: { status: 403, zh: '账号已停用', en: 'The account is disabled' },
  AUTH_SESSION_EXPIRED: { status: 401, zh: '会话已过期，请重新登录', en: 'The session has expired, sign in again' },
  AUTH_TOTP_REQUIRED: { status: 401, zh: '需要动态口令（第二因素）', en: 'A one-time code (second factor) is required' },
  AUTH_TOTP_INVALID: { status: 401, zh: '动态口令错误', en: 'Wrong one-time code' },
  AUTH_TOTP_NOT_ENROLLED: { status: 409, zh: '尚未绑定动态口令', en: 'No one-time code device is enrolled' },
  AUTH_CSRF_INVALID: { status: 403, zh: 'CSRF 校验失败', en: 'CSRF check failed' },
  AUTH_FORBIDDEN: { status: 403, zh: '无权执行该操作', en: 'Not allowed to do this' },
  AUTH_WEAK_PASSWORD: { status: 400, zh: '密码强度不足', en: 'The password is too weak' },

  // identity
  IDENTITY_ORG_NOT_FOUND: { status: 404, zh: '机构不存在', en: 'No such organisation' },
  IDENTITY_USER_NOT_FOUND: { status: 404, zh: '用户不存在', en: 'No such user' },
  IDENTITY_USERNAME_TAKEN: { status: 409, zh: '账号已被使用', en: 'The account name is taken' },
  IDENTITY_CITIZEN_EXISTS: { status: 409, zh: '该身份号码已注册', en: 'This identity number is already registered' },
  IDENTITY_USCC_TAKEN: { status: 409, zh: '该统一社会信用代码已登记', en: 'This USCC is already registered' },
  IDENTITY_ROLE_CONFLICT: {
    status: 409,
    zh: '系统管理员、安全管理员、审计管理员三员不得兼任',
    en: 'System, security and audit administrator roles cannot be combined',
  },
  IDENTITY_REGION_UNKNOWN: { status: 400, zh: '行政区划代码不存在', en: 'Unknown division code' },

  // standards
  STANDARDS_UNKNOWN_TYPE: { status: 400, zh: '未知的标识类型', en: 'Unknown identifier type' },

  // calendar
  CALENDAR_INVALID_DATE: { status: 400, zh: '日期不合法', en: 'Invalid date' },

  // audit
  AUDIT_CHAIN_BROKEN: { status: 500, zh: '审计日志链校验失败', en: 'The audit chain does not verify' },

  // catalog
  CATALOG_RESOURCE_NOT_FOUND: { status: 404, zh: '信息资源不存在', en: 'No such information resource' },
  CATALOG_CLASS_NOT_FOUND: { status: 404, zh: '资源分类不存在', en: 'No such resource class' },
  CATALOG_CLASS_IN_USE: { status: 409, zh: '该分类下仍有下级分类或信息资源', en: 'The class still has sub-classes or resources' },
  CATALOG_TERM_NOT_FOUND: { status: 404, zh: '主题词不存在', en: 'No such thesaurus term' },
  CATALOG_TERM_EXISTS: { status: 409, zh: '主题词或同义词已存在', en: 'The term or synonym already exists' },
  CATALOG_INVALID_TRANSITION: { status: 409, zh: '信息资源当前状态不允许该操作', en: 'Not allowed in the resource’s current status' },
  CATALOG_NOT_SHAREABLE: { status: 409, zh: '不予共享的信息资源不能申请', en: 'A resource that is not shared cannot be applied for' },
  CATALOG_APPLICATION_NOT_FOUND: { status: 404, zh: '共享申请不存在', en: 'No such sharing application' },
  CATALOG_APPLICATION_DECIDED: { status: 409, zh: '共享申请已答复或已撤销', en: 'The application has already been answered or withdrawn' },
  CATALOG_IMPORT_INVALID: { status: 400, zh: '导入文件有错误，未写入任何数据', en: 'The import file has errors; nothing was written' },
  CATALOG_RESOURCE_HARVESTED: {
    status: 409,
    zh: '汇聚而来的信息资源只读，请在来源目录修改',
    en: 'A harvested resource is read-only; change it in its source catalog',
  },
  CATALOG_HARVEST_SOURCE_NOT_FOUND: { status: 404, zh: '汇聚来源不存在', en: 'No such harvest source' },
  CATALOG_HARVEST_SOURCE_EXISTS: { status: 409, zh: '该地址的汇聚来源已登记', en: 'A harvest source with this URL already exists' },
  CATALOG_HARVEST_RUNNING: { status: 409, zh: '该来源正在汇聚中，请稍后再试', en: 'This source is being harvested, try again later' },
  CATALOG_HARVEST_SOURCE_DISABLED: { status: 409, zh: '该汇聚来源已停用，请先启用', en: 'This harvest source is disabled; enable it first' },
  CATALOG_HARVEST_FAILED: { status: 422, zh: '来源目录无法汇聚', en: 'The source catalog could not be harvested' },

  // base registries
  REGISTRY_NOT_FOUND: { status: 404, zh: '基础信息库不存在', en: 'No such registry' },
  REGISTRY_RECORD_NOT_FOUND: { status: 404, zh: '记录不存在', en: 'No such record' },
  REGISTRY_RECORD_EXISTS: { status: 409, zh: '记录已存在', en: 'The record already exists' },
  REGISTRY_RECORD_PERMANENT: {
    status: 409,
    zh: '基础信息库的记录不删除：历史只增不改，注销、死亡等以属性变更记录',
    en: 'Base registry records are never deleted: history is append-only; deregistration or death is an attribute change',
  },
  REGISTRY_NOT_SOURCE: { status: 403, zh: '只有该属性的来源部门可以写入（一数一源）', en: "Only the attribute's source department may write it" },
  REGISTRY_SOURCE_UNBOUND: { status: 409, zh: '来源部门尚未指定机构', en: 'The source department is not bound to an organisation' },
  REGISTRY_PURPOSE_REQUIRED: { status: 400, zh: '查询须说明目的', en: 'A read must state its purpose' },
  REGISTRY_IMPORT_INVALID: { status: 400, zh: '导入文件有错误，未写入任何数据', en: 'The import file has errors; nothing was written' },
  REGISTRY_DISCREPANCY_NOT_FOUND: { status: 404, zh: '异议不存在', en: 'No such discrepancy report' },
  REGISTRY_DISCREPANCY_CLOSED: { status: 409, zh: '异议已处理', en: 'The discrepancy report is already resolved' },
  REGISTRY_LOG_BROKEN: { status: 500, zh: '基础信息库日志校验失败', en: 'The registry log does not verify' },

  // crypto
  CRYPTO_UNKNOWN_SUITE: { status: 400, zh: '未知的密码套件', en: 'Unknown crypto suite' },
  CRYPTO_BAD_KEY: { status: 400, zh: '密钥不合法', en: 'The key is not valid' },
  CRYPTO_DECRYPT_FAILED: { status: 400, zh: '解密失败', en: 'Decryption failed' },

  // exchange center
  EXCHANGE_MEMBER_NOT_FOUND: { status: 404, zh: '交换成员不存在', en: 'No such exchange member' },
  EXCHANGE_MEMBER_EXISTS: { status: 409, zh: '交换成员已登记', en: 'The exchange member is already registered' },
  EXCHANGE_SUBSYSTEM_NOT_FOUND: { status: 404, zh: '子系统不存在', en: 'No such subsystem' },
  EXCHANGE_SERVICE_NOT_FOUND: { status: 404, zh: '服务不存在', en: 'No such service' },
  EXCHANGE_SERVICE_EXISTS: { status: 409, zh: '服务已登记', en: 'The service is already registered' },
  EXCHANGE_REGISTRATION_NOT_FOUND: { status: 404, zh: '节点注册申请不存在', en: 'No such node registration' },
  EXCHANGE_REGISTRATION_DECIDED: { status: 409, zh: '节点注册申请已处理', en: 'The node registration has already been decided' },
  EXCHANGE_ACCESS_RIGHT_NOT_FOUND: { status: 404, zh: '访问权限不存在', en: 'No such access right' },
  EXCHANGE_CENTER_UNTRUSTED: { status: 400, zh: '交换中心的公钥指纹与预期不符', en: 'The exchange center fingerprint does not match' },
  EXCHANGE_NODE_NOT_APPROVED: { status: 409, zh: '节点尚未获批', en: 'The node has not been approved yet' },
} as const satisfies Record<string, { status: number; zh: string; en: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One problem with one input field: `field` is a dotted path (`body.password`, `query.value`). */
export interface FieldIssue {
  field: string;
  reason: string;
}

/**
 * A domain error: a stable code, a message a person can act on, optional details.
 * Services throw these; they never know about HTTP. The HTTP layer maps `code` to a status.
 *
 * @example throw new AppError('IDENTITY_ORG_NOT_FOUND', `机构 ${id} 不存在`, { field: 'orgId' })
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? ERROR_CODES[code].zh);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

/** A VALIDATION_FAILED error naming each bad field and why. */
export function validationError(issues: FieldIssue[], message?: string): AppError {
  const summary = issues.map((i) => `${i.field}: ${i.reason}`).join('; ');
  return new AppError('VALIDATION_FAILED', message ?? `请求参数不合法 — ${summary}`, { fields: issues });
}
