/** Site identity shown in the portal header and footer. Later this comes from the platform's settings. */
export const SITE = {
  name: '示范市人民政府',
  nameEn: 'Demonstration City People’s Government',
  /** Path of the emblem image; empty shows the placeholder slot. */
  emblemUrl: '',
  contact: { address: '示范市行政中心 1 号楼', phone: '12345', email: 'webmaster@example.gov.cn' },
  /** 网站标识码 (assigned by the State Council General Office). */
  siteCode: '3501000000',
  /** ICP 备案号. */
  icp: '闽ICP备00000000号',
  /** 公安机关备案号. */
  policeFiling: '闽公网安备 35010002000000号',
} as const;
