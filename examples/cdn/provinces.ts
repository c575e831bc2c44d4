/**
 * The regions of the example: China's 34 provincial-level divisions, as in PyFlink's classic
 * CDN log example. They are listed by a rough rank of internet users, which the synthetic data
 * uses twice: more address space (make-regions.ts) and more traffic (generate.ts) for the first.
 */
export const PROVINCES: readonly string[] = [
  '广东',
  '山东',
  '河南',
  '江苏',
  '浙江',
  '四川',
  '河北',
  '湖南',
  '湖北',
  '福建',
  '安徽',
  '北京',
  '上海',
  '广西',
  '辽宁',
  '江西',
  '陕西',
  '云南',
  '山西',
  '重庆',
  '黑龙江',
  '贵州',
  '吉林',
  '内蒙古',
  '新疆',
  '天津',
  '甘肃',
  '香港',
  '海南',
  '台湾',
  '宁夏',
  '青海',
  '西藏',
  '澳门',
];

/** The result for a malformed, null or unlisted address. */
export const UNKNOWN = 'Unknown';
