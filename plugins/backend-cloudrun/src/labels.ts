/** A job's identity labels: the encoding every Google Cloud backend shares lives in @sockerless/cloud-gcp. */
export { identityLabels, identityOfLabels, labelValue, LABEL, type JobIdentity } from '@sockerless/cloud-gcp';
