// The references in vCenter 8.0.3's ServiceContent and the object each names, as a real vCenter
// 8.0.3 answers them (its recorded traffic). The types of the properties come from the WSDL's
// managed-types table; which object each names, and which answer the task surface, is ours.

/** ServiceContent property → [managed type of the object, its reference value], as vCenter 8.0.3 sends them. */
export const VCENTER_8_REFERENCES: Readonly<Record<string, readonly [string, string]>> = {
  rootFolder: ['Folder', 'group-d1'],
  propertyCollector: ['PropertyCollector', 'propertyCollector'],
  viewManager: ['ViewManager', 'ViewManager'],
  setting: ['OptionManager', 'VpxSettings'],
  userDirectory: ['UserDirectory', 'UserDirectory'],
  sessionManager: ['SessionManager', 'SessionManager'],
  authorizationManager: ['AuthorizationManager', 'AuthorizationManager'],
  serviceManager: ['ServiceManager', 'ServiceMgr'],
  perfManager: ['PerformanceManager', 'PerfMgr'],
  scheduledTaskManager: ['ScheduledTaskManager', 'ScheduledTaskManager'],
  alarmManager: ['AlarmManager', 'AlarmManager'],
  eventManager: ['EventManager', 'EventManager'],
  taskManager: ['TaskManager', 'TaskManager'],
  extensionManager: ['ExtensionManager', 'ExtensionManager'],
  customizationSpecManager: ['CustomizationSpecManager', 'CustomizationSpecManager'],
  guestCustomizationManager: ['VirtualMachineGuestCustomizationManager', 'GuestCustomizationManager'],
  customFieldsManager: ['CustomFieldsManager', 'CustomFieldsManager'],
  diagnosticManager: ['DiagnosticManager', 'DiagMgr'],
  licenseManager: ['LicenseManager', 'LicenseManager'],
  searchIndex: ['SearchIndex', 'SearchIndex'],
  fileManager: ['FileManager', 'FileManager'],
  datastoreNamespaceManager: ['DatastoreNamespaceManager', 'DatastoreNamespaceManager'],
  virtualDiskManager: ['VirtualDiskManager', 'virtualDiskManager'],
  snmpSystem: ['HostSnmpSystem', 'SnmpSystem'],
  vmProvisioningChecker: ['VirtualMachineProvisioningChecker', 'ProvChecker'],
  vmCompatibilityChecker: ['VirtualMachineCompatibilityChecker', 'CompatChecker'],
  ovfManager: ['OvfManager', 'OvfManager'],
  ipPoolManager: ['IpPoolManager', 'IpPoolManager'],
  dvSwitchManager: ['DistributedVirtualSwitchManager', 'DVSManager'],
  hostProfileManager: ['HostProfileManager', 'HostProfileManager'],
  clusterProfileManager: ['ClusterProfileManager', 'ClusterProfileManager'],
  complianceManager: ['ProfileComplianceManager', 'MoComplianceManager'],
  localizationManager: ['LocalizationManager', 'LocalizationManager'],
  storageResourceManager: ['StorageResourceManager', 'StorageResourceManager'],
  guestOperationsManager: ['GuestOperationsManager', 'guestOperationsManager'],
  overheadMemoryManager: ['OverheadMemoryManager', 'OverheadMemoryManager'],
  certificateManager: ['CertificateManager', 'certificateManager'],
  ioFilterManager: ['IoFilterManager', 'IoFilterManager'],
  vStorageObjectManager: ['VcenterVStorageObjectManager', 'VStorageObjectManager'],
  hostSpecManager: ['HostSpecificationManager', 'HostSpecificationManager'],
  cryptoManager: ['CryptoManagerKmip', 'CryptoManager'],
  healthUpdateManager: ['HealthUpdateManager', 'HealthUpdateManager'],
  failoverClusterConfigurator: ['FailoverClusterConfigurator', 'FailoverClusterConfigurator'],
  failoverClusterManager: ['FailoverClusterManager', 'FailoverClusterManager'],
  tenantManager: ['TenantTenantManager', 'TenantManager-69507950'],
  siteInfoManager: ['SiteInfoManager', 'SiteInfoManager'],
  storageQueryManager: ['StorageQueryManager', 'StorageQueryManager'],
};

/** What a few placeholder managers hold where vCenter reports a fixed value. */
export const PLACEHOLDER_VALUES: Readonly<Record<string, Readonly<Record<string, number | string | boolean>>>> = {
  licenseManager: { licensedEdition: '', sourceAvailable: false },
};
