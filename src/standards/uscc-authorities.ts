/**
 * GB 32100-2015 Appendix A: registering authority (position 1) and organisation category
 * (position 2), as amended (A 中央军委改革和编制办公室 and N 农业 were added after 2015).
 * A category not listed under its authority is an error: the table is closed by the standard.
 */
export interface UsccAuthority {
  name: string;
  nameEn: string;
  categories: Readonly<Record<string, string>>;
}

export const USCC_AUTHORITIES: Readonly<Record<string, UsccAuthority>> = {
  '1': {
    name: '机构编制',
    nameEn: 'public-sector establishment office',
    categories: { '1': '机关', '2': '事业单位', '3': '中央编办直接管理机构编制的群众团体', '9': '其他' },
  },
  '2': { name: '外交', nameEn: 'foreign affairs', categories: { '1': '外国常驻新闻机构', '9': '其他' } },
  '3': {
    name: '司法行政',
    nameEn: 'justice administration',
    categories: { '1': '律师执业机构', '2': '公证处', '3': '基层法律服务所', '4': '司法鉴定机构', '5': '仲裁委员会', '9': '其他' },
  },
  '4': { name: '文化', nameEn: 'culture', categories: { '1': '外国在华文化中心', '9': '其他' } },
  '5': {
    name: '民政',
    nameEn: 'civil affairs',
    categories: { '1': '社会团体', '2': '民办非企业单位', '3': '基金会', '9': '其他' },
  },
  '6': {
    name: '旅游',
    nameEn: 'tourism',
    categories: { '1': '外国旅游部门常驻代表机构', '2': '港澳台地区旅游部门常驻内地（大陆）代表机构', '9': '其他' },
  },
  '7': { name: '宗教', nameEn: 'religious affairs', categories: { '1': '宗教活动场所', '2': '宗教院校', '9': '其他' } },
  '8': { name: '工会', nameEn: 'trade unions', categories: { '1': '基层工会', '9': '其他' } },
  '9': {
    name: '工商（市场监管）',
    nameEn: 'market regulation',
    categories: { '1': '企业', '2': '个体工商户', '3': '农民专业合作社' },
  },
  A: { name: '中央军委改革和编制办公室', nameEn: 'CMC reform and establishment office', categories: { '1': '军队事业单位', '9': '其他' } },
  N: {
    name: '农业',
    nameEn: 'agriculture',
    categories: { '1': '组级集体经济组织', '2': '村级集体经济组织', '3': '乡镇级集体经济组织', '9': '其他' },
  },
  Y: { name: '其他', nameEn: 'other', categories: { '1': '其他' } },
};
