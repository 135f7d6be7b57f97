export { frameName } from '../../profile/frames';
export { programRange, shownFrames } from '../../profile/backtrace';
