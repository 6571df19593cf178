import { PaymentsPage } from './RevenueLists.tsx';

export default PaymentsPage;
