/**
 * The MITRE ATT&CK (Enterprise) techniques the rules cite, id -> name, so that a test can
 * check that every rule names each technique correctly. Add a row when a rule needs one.
 */
export const ATTACK_TECHNIQUES: Readonly<Record<string, string>> = {
  'T1566.001': 'Phishing: Spearphishing Attachment',
  'T1566.002': 'Phishing: Spearphishing Link',
  'T1656': 'Impersonation',
  'T1204.002': 'User Execution: Malicious File',
  'T1105': 'Ingress Tool Transfer',
  'T1071.001': 'Application Layer Protocol: Web Protocols',
  'T1071.004': 'Application Layer Protocol: DNS',
  'T1571': 'Non-Standard Port',
  'T1572': 'Protocol Tunneling',
  'T1095': 'Non-Application Layer Protocol',
  'T1046': 'Network Service Discovery',
  'T1018': 'Remote System Discovery',
  'T1021': 'Remote Services',
  'T1210': 'Exploitation of Remote Services',
  'T1078.002': 'Valid Accounts: Domain Accounts',
  'T1134.005': 'Access Token Manipulation: SID-History Injection',
  'T1070.001': 'Indicator Removal: Clear Windows Event Logs',
  'T1562.002': 'Impair Defenses: Disable Windows Event Logging',
  'T1110': 'Brute Force',
  'T1558': 'Steal or Forge Kerberos Tickets',
  'T1550.002': 'Use Alternate Authentication Material: Pass the Hash',
  'T1041': 'Exfiltration Over C2 Channel',
  'T1048': 'Exfiltration Over Alternative Protocol',
  'T1029': 'Scheduled Transfer',
  'T1567': 'Exfiltration Over Web Service',
  'T1098': 'Account Manipulation',
  'T1484': 'Domain or Tenant Policy Modification',
  'T1003.006': 'OS Credential Dumping: DCSync',
};

/** Elastic's convention, kept so that scores read the same across tools. */
export const RISK_SCORE_BY_SEVERITY = { low: 21, medium: 47, high: 73, critical: 99 } as const;
