// Every page module, in menu order. A module: { pages: [{ path, title, nav?, roles?, render(ctx) }], text: { en, 'zh-CN' } }.
import start from './start.js';
import herd from './herd.js';

export const modules = [start, herd];
