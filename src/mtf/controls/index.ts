/** All MTF v0.1 scannable controls (and the reserved AI-02), in the specification's order. */
import type { Control } from '../types.js';
import { control as ai01 } from './ai-01.js';
import { control as ai02 } from './ai-02.js';
import { control as ai03 } from './ai-03.js';
import { control as ai04 } from './ai-04.js';
import { control as ai05 } from './ai-05.js';
import { control as sc01 } from './sc-01.js';
import { control as sc02 } from './sc-02.js';
import { control as sc03 } from './sc-03.js';
import { control as sc04 } from './sc-04.js';
import { control as sc05 } from './sc-05.js';
import { control as cq01 } from './cq-01.js';
import { control as cq02 } from './cq-02.js';
import { control as cq03 } from './cq-03.js';
import { control as cq04 } from './cq-04.js';
import { control as cq05 } from './cq-05.js';
import { control as cq06 } from './cq-06.js';
import { control as cd01 } from './cd-01.js';
import { control as cd02 } from './cd-02.js';
import { control as cd03 } from './cd-03.js';
import { control as cd04 } from './cd-04.js';
import { control as cd05 } from './cd-05.js';
import { control as pr01 } from './pr-01.js';
import { control as pr02 } from './pr-02.js';
import { control as pr03 } from './pr-03.js';
import { control as pr04 } from './pr-04.js';
import { control as pr05 } from './pr-05.js';

export const CONTROLS: readonly Control[] = [
  ai01, ai02, ai03, ai04, ai05,
  sc01, sc02, sc03, sc04, sc05,
  cq01, cq02, cq03, cq04, cq05, cq06,
  cd01, cd02, cd03, cd04, cd05,
  pr01, pr02, pr03, pr04, pr05,
];
