import { PlansPage } from './RevenueLists.tsx';

export default PlansPage;
