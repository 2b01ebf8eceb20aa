// Every page module, in menu order. A module: { pages: [{ path, title, nav?, roles?, render(ctx) }], text: { en, 'zh-CN' } }.
import start from './start.js';
import seasonMap from './season-map.js';
import plot from './plot.js';
import cropPolicy from './crop-policy.js';
import measure from './measure.js';
import herd from './herd.js';
import claims from './claims.js';
import life from './life.js';

export const modules = [start, seasonMap, plot, cropPolicy, measure, herd, claims, life];
