import { PortalProposal } from './PortalProposals.tsx';

export default PortalProposal;
