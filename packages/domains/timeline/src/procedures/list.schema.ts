export { timelineListInput as listInput, timelineListOutput as listOutput } from '../contracts.ts';
