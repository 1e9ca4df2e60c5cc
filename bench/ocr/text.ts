// Seeded randomness and the text lines the OCR benchmark renders: Chinese words and common
// characters (GB2312 level 1, all in PaddleOCR's dictionary), Latin words, numbers, dates,
// codes. Not rendering (render.ts); lines are plausible document text, not meaningful prose.
import { readFileSync } from 'node:fs';
import { seededRandom } from '../../src/core/random.js';
import { ocrAsset } from './assets.js';

/** A seeded pseudo-random stream (mulberry32): the same seed gives the same values. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Integer uniform in [lo, hi] inclusive. */
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  /** Standard normal (Box-Muller). */
  normal(): number;
}

/** A mulberry32 stream for `seed`. */
export function createRng(seed: number): Rng {
  const next = seededRandom(seed);
  const rng: Rng = {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
  };
  return rng;
}

/** The stream for sample `index` of the set `seed`: sets with different seeds never share samples. */
export function sampleRng(seed: number, index: number): Rng {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return createRng((h ^ (h >>> 15)) >>> 0);
}

/** PaddleOCR's ppocr_keys_v1.txt, one character per line, in file order. */
export function dictionaryKeys(): string[] {
  const text = readFileSync(ocrAsset('ppocr_keys_v1.txt'), 'utf8');
  return text.split(/\r?\n/).filter((line) => line.length > 0);
}

const ZH_WORDS = (
  '公司 地址 电话 日期 金额 合计 发票 北京 上海 广州 深圳 杭州 南京 成都 武汉 人民 政府 ' +
  '中国 银行 服务 管理 技术 有限 科技 发展 教育 学校 大学 医院 市场 经济 社会 文化 历史 ' +
  '工作 生活 时间 问题 方法 系统 数据 信息 网络 产品 价格 数量 单位 部门 项目 计划 报告 ' +
  '通知 会议 学生 老师 家庭 城市 国家 世界 环境 安全 质量 能源 交通 旅游 天气 新闻 体育 ' +
  '电影 音乐 图书 商店 超市 餐厅 早餐 水果 蔬菜 面包 牛奶 火车 飞机 汽车 地铁 车站 机场 ' +
  '道路 大街 小区 号楼 单元 房间 客户 订单 编号 名称 规格 型号 备注 签名 出口 入口 营业 ' +
  '欢迎 光临 谢谢 注意 禁止 停车 免费 优惠 特价 今天 明天 上午 下午 星期 我们 他们 可以 ' +
  '需要 应该 已经 正在 开始 结束 提供 支持 使用 研究 建设 改革 创新 合作 主要 重要 全面 ' +
  '积极 有关 规定 办法 标准 要求 责任 检查 联系 负责 销售 采购 合同 条款 甲方 乙方 说明 ' +
  '操作 安装 设备 材料 生产 日常 保存 温度 阴凉 干燥 处理 中心 路口 东路 西路 南路 北路'
).split(' ');

const LATIN_WORDS = (
  'the of and to in for on with from by at as total price date invoice order number name ' +
  'address phone email account customer service payment amount balance tax item quantity ' +
  'unit description report page section chapter table figure data model result value time ' +
  'open close new best free sale daily market street road city center station airport hotel ' +
  'coffee tea water bread fresh quality product support contact office room floor building ' +
  'please note thank you welcome exit entrance parking system network version update'
).split(' ');

const ZH_PUNCT = ['，', '。', '、', '：', '；', '！', '？'];

let commonHan: string[] | undefined;

/** GB2312 level-1 characters (the 3,755 most common, decoded from their code points) in the dictionary. */
export function commonChineseChars(): readonly string[] {
  if (commonHan !== undefined) return commonHan;
  const keys = new Set(dictionaryKeys());
  const gbk = new TextDecoder('gbk');
  const chars: string[] = [];
  for (let hi = 0xb0; hi <= 0xd7; hi++) {
    for (let lo = 0xa1; lo <= 0xfe; lo++) {
      const c = gbk.decode(new Uint8Array([hi, lo]));
      if (c.length === 1 && /\p{Script=Han}/u.test(c) && keys.has(c)) chars.push(c);
    }
  }
  commonHan = chars;
  return chars;
}

const digits = (rng: Rng, n: number): string =>
  Array.from({ length: n }, () => String(rng.int(0, 9))).join('');

function chineseWords(rng: Rng): string {
  const parts: string[] = [];
  const n = rng.int(2, 6);
  for (let i = 0; i < n; i++) {
    parts.push(rng.pick(ZH_WORDS));
    if (i < n - 1 && rng.chance(0.2)) parts.push(rng.pick(ZH_PUNCT));
  }
  return parts.join('') + (rng.chance(0.3) ? rng.pick(['。', '：', '！']) : '');
}

function chineseChars(rng: Rng): string {
  const han = commonChineseChars();
  return Array.from({ length: rng.int(3, 12) }, () => rng.pick(han)).join('');
}

function chineseMixed(rng: Rng): string {
  const word = rng.pick(ZH_WORDS);
  switch (rng.int(0, 5)) {
    case 0:
      return `${word}：${rng.pick(['010', '021', '0755', '139'])}-${digits(rng, 8)}`;
    case 1:
      return `${word}￥${rng.int(1, 9999)}.${digits(rng, 2)}元`;
    case 2:
      return `${rng.int(1990, 2030)}年${rng.int(1, 12)}月${rng.int(1, 28)}日${word}`;
    case 3:
      return `第${rng.int(1, 99)}号${word}${rng.pick(ZH_WORDS)}`;
    case 4:
      return `${word}${rng.pick(ZH_WORDS)}（${rng.pick(['A', 'B', 'C'])}${digits(rng, 3)}）`;
    default:
      return `${rng.int(1, 999)}${rng.pick(['号', '层', '室', '个', '件', '人'])}${word}`;
  }
}

function latinWords(rng: Rng): string {
  const words = Array.from({ length: rng.int(2, 6) }, () => rng.pick(LATIN_WORDS));
  const first = words[0]!;
  if (rng.chance(0.6)) words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  if (rng.chance(0.15)) return words.join(' ').toUpperCase();
  return words.join(' ') + (rng.chance(0.3) ? rng.pick(['.', ':', ',', '!']) : '');
}

function latinCode(rng: Rng): string {
  switch (rng.int(0, 5)) {
    case 0:
      return `${rng.int(1, 28)}/${rng.int(1, 12)}/${rng.int(1990, 2030)}`;
    case 1:
      return `$${rng.int(1, 99)},${digits(rng, 3)}.${digits(rng, 2)}`;
    case 2:
      return `No. ${digits(rng, 4)}-${digits(rng, 4)}`;
    case 3:
      return `${rng.pick(LATIN_WORDS)}${rng.int(1, 99)}@${rng.pick(['mail', 'example', 'post'])}.com`;
    case 4:
      return `Tel: +${rng.int(1, 86)} ${digits(rng, 3)} ${digits(rng, 4)}`;
    default:
      return `${rng.pick(LATIN_WORDS).toUpperCase()}-${digits(rng, rng.int(3, 6))}`;
  }
}

/** One line of text: about 65% contain Chinese, the rest Latin words, numbers and codes. */
export function randomText(rng: Rng): string {
  const r = rng.next();
  if (r < 0.3) return chineseWords(rng);
  if (r < 0.45) return chineseChars(rng);
  if (r < 0.65) return chineseMixed(rng);
  if (r < 0.85) return latinWords(rng);
  return latinCode(rng);
}

/** Whether `text` needs a CJK font. */
export function hasCjk(text: string): boolean {
  return /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u.test(text);
}
