import { CreditNotesPage } from './RevenueLists.tsx';

export default CreditNotesPage;
