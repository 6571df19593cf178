import { AgingPage } from './RevenueLists.tsx';

export default AgingPage;
