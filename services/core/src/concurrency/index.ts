export { SerialLane } from './serial-lane.js';
