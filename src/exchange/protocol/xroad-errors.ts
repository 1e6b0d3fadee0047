/**
 * The typed errors of the exchange protocol (X-Road PR-REST style): not errors of the service
 * itself, but of the exchange. Sent as JSON `{ type, message, detail }` with header
 * `X-Road-Error: <type>`. `Client.*` — the caller's fault; `Server.ClientProxy.*` — raised by the
 * consumer's node; `Server.ServerProxy.*` — raised by the provider's node. Types are public API.
 */
export const XROAD_ERRORS = {
  'Client.InvalidRequest': { status: 400, zh: '请求不符合交换协议', en: 'The request does not follow the exchange protocol' },
  'Client.Unauthorized': { status: 401, zh: '本地系统身份验证失败（API 密钥）', en: 'The local system is not authenticated (API key)' },
  'Client.BodyTooLarge': { status: 413, zh: '消息体超过节点上限', en: 'The message body exceeds the node limit' },
  'Client.UnknownService': { status: 404, zh: '全局配置中没有该服务的提供节点', en: 'No node provides this service in the global configuration' },
  'Server.ClientProxy.OutdatedGlobalConf': { status: 503, zh: '全局配置已过期，暂停交换', en: 'The global configuration has expired; exchange stopped' },
  'Server.ClientProxy.NetworkError': { status: 502, zh: '无法连接提供方节点', en: 'The provider node cannot be reached' },
  'Server.ClientProxy.InvalidSignature': { status: 502, zh: '提供方节点的响应签名无效', en: 'The provider node response signature is invalid' },
  'Server.ClientProxy.InvalidRequestHash': { status: 502, zh: '响应中的请求摘要不符', en: 'The request hash in the response does not match' },
  'Server.ServerProxy.OutdatedGlobalConf': { status: 503, zh: '提供方节点全局配置已过期', en: 'The provider node global configuration has expired' },
  'Server.ServerProxy.UnknownSender': {
    status: 403,
    zh: '发送节点未在全局配置中登记或不代表该消费方',
    en: 'The sending node is not registered or does not act for the consumer',
  },
  'Server.ServerProxy.InvalidSignature': { status: 400, zh: '请求签名无效或消息被篡改', en: 'The request signature is invalid or the message was altered' },
  'Server.ServerProxy.ExpiredMessage': { status: 400, zh: '消息时间戳超出允许范围', en: 'The message timestamp is outside the accepted window' },
  'Server.ServerProxy.ReplayedMessage': { status: 409, zh: '重放的消息（消息标识已处理）', en: 'Replayed message (the message id was already processed)' },
  'Server.ServerProxy.WrongRecipient': { status: 421, zh: '消息发往了其他节点', en: 'The message is addressed to another node' },
  'Server.ServerProxy.UnknownService': { status: 404, zh: '本节点不提供该服务', en: 'This node does not provide the service' },
  'Server.ServerProxy.AccessDenied': {
    status: 403,
    zh: '无访问权限（服务、接口、用途或有效期不符）',
    en: 'Access denied (service, endpoint, purpose or period)',
  },
  'Server.ServerProxy.ServiceFailed': { status: 502, zh: '提供方后端服务无法访问或超时', en: 'The provider backend failed or timed out' },
  'Server.ServerProxy.BodyTooLarge': { status: 502, zh: '后端响应超过节点上限', en: 'The backend response exceeds the node limit' },
  'Server.ServerProxy.InternalError': { status: 500, zh: '提供方节点内部错误', en: 'Internal error of the provider node' },
  'Server.ClientProxy.InternalError': { status: 500, zh: '消费方节点内部错误', en: 'Internal error of the consumer node' },
} as const satisfies Record<string, { status: number; zh: string; en: string }>;

export type XRoadErrorType = keyof typeof XROAD_ERRORS;

/** An exchange failure with its protocol type; `detail` is safe to show to the caller. */
export class XRoadError extends Error {
  constructor(
    readonly type: XRoadErrorType,
    readonly detail?: string,
  ) {
    super(detail ? `${XROAD_ERRORS[type].zh}：${detail}` : XROAD_ERRORS[type].zh);
    this.name = 'XRoadError';
  }

  get status(): number {
    return XROAD_ERRORS[this.type].status;
  }

  /** The JSON body: Chinese message, English in `messageEn`. */
  body(): { type: XRoadErrorType; message: string; messageEn: string; detail: string | null } {
    return { type: this.type, message: XROAD_ERRORS[this.type].zh, messageEn: XROAD_ERRORS[this.type].en, detail: this.detail ?? null };
  }
}
