// ServiceContent as vCenter 8.0.3 answers it: every reference it carries, each naming an object
// that exists and answers property reads, calls on the managers beyond the task surface answered
// MethodNotFound, and the version reported (about, vimServiceVersions.xml) 8.0.3 unless chosen.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseStringPromise } from 'xml2js';
import { ManagedObjectReference } from '../../src/vim/data.js';
import { startLoggedIn, type Running, type SoapConnection } from '../helpers/emulator.js';
import { rawRequest, SoapSession } from '../helpers/soap-client.js';
import { expectFault, moref, ok, type Xml } from '../helpers/tasks.js';

/** Answers are trimmed to the version SOAPAction names: ask as pyVmomi 8 does, to see all of vCenter 8's. */
const PYVMOMI_8 = '"urn:vim25/8.0.2.0"';
const pyvmomi8Session = (url: string) => Object.assign(new SoapSession(url), { soapAction: PYVMOMI_8 });

let emulator: Running<SoapConnection>;
let admin: SoapSession;
beforeAll(async () => {
  emulator = await startLoggedIn();
  admin = emulator.session;
  admin.soapAction = PYVMOMI_8;
});

afterAll(async () => {
  await emulator.close();
});

// vCenter 8.0.3's references (from its recorded traffic): the served WSDL (pyVmomi 8's
// metadata) has a ServiceContent field for every one of them.
const REFERENCES: ReadonlyArray<[string, string, string]> = [
  ['rootFolder', 'Folder', 'group-d1'],
  ['propertyCollector', 'PropertyCollector', 'propertyCollector'],
  ['viewManager', 'ViewManager', 'ViewManager'],
  ['setting', 'OptionManager', 'VpxSettings'],
  ['userDirectory', 'UserDirectory', 'UserDirectory'],
  ['sessionManager', 'SessionManager', 'SessionManager'],
  ['authorizationManager', 'AuthorizationManager', 'AuthorizationManager'],
  ['serviceManager', 'ServiceManager', 'ServiceMgr'],
  ['perfManager', 'PerformanceManager', 'PerfMgr'],
  ['scheduledTaskManager', 'ScheduledTaskManager', 'ScheduledTaskManager'],
  ['alarmManager', 'AlarmManager', 'AlarmManager'],
  ['eventManager', 'EventManager', 'EventManager'],
  ['taskManager', 'TaskManager', 'TaskManager'],
  ['extensionManager', 'ExtensionManager', 'ExtensionManager'],
  ['customizationSpecManager', 'CustomizationSpecManager', 'CustomizationSpecManager'],
  ['customFieldsManager', 'CustomFieldsManager', 'CustomFieldsManager'],
  ['diagnosticManager', 'DiagnosticManager', 'DiagMgr'],
  ['licenseManager', 'LicenseManager', 'LicenseManager'],
  ['searchIndex', 'SearchIndex', 'SearchIndex'],
  ['fileManager', 'FileManager', 'FileManager'],
  ['datastoreNamespaceManager', 'DatastoreNamespaceManager', 'DatastoreNamespaceManager'],
  ['virtualDiskManager', 'VirtualDiskManager', 'virtualDiskManager'],
  ['snmpSystem', 'HostSnmpSystem', 'SnmpSystem'],
  ['vmProvisioningChecker', 'VirtualMachineProvisioningChecker', 'ProvChecker'],
  ['vmCompatibilityChecker', 'VirtualMachineCompatibilityChecker', 'CompatChecker'],
  ['ovfManager', 'OvfManager', 'OvfManager'],
  ['ipPoolManager', 'IpPoolManager', 'IpPoolManager'],
  ['dvSwitchManager', 'DistributedVirtualSwitchManager', 'DVSManager'],
  ['hostProfileManager', 'HostProfileManager', 'HostProfileManager'],
  ['clusterProfileManager', 'ClusterProfileManager', 'ClusterProfileManager'],
  ['complianceManager', 'ProfileComplianceManager', 'MoComplianceManager'],
  ['localizationManager', 'LocalizationManager', 'LocalizationManager'],
  ['storageResourceManager', 'StorageResourceManager', 'StorageResourceManager'],
  ['guestOperationsManager', 'GuestOperationsManager', 'guestOperationsManager'],
  ['overheadMemoryManager', 'OverheadMemoryManager', 'OverheadMemoryManager'],
  ['certificateManager', 'CertificateManager', 'certificateManager'],
  ['ioFilterManager', 'IoFilterManager', 'IoFilterManager'],
  ['vStorageObjectManager', 'VcenterVStorageObjectManager', 'VStorageObjectManager'],
  ['hostSpecManager', 'HostSpecificationManager', 'HostSpecificationManager'],
  ['cryptoManager', 'CryptoManagerKmip', 'CryptoManager'],
  ['healthUpdateManager', 'HealthUpdateManager', 'HealthUpdateManager'],
  ['failoverClusterConfigurator', 'FailoverClusterConfigurator', 'FailoverClusterConfigurator'],
  ['failoverClusterManager', 'FailoverClusterManager', 'FailoverClusterManager'],
  ['guestCustomizationManager', 'VirtualMachineGuestCustomizationManager', 'GuestCustomizationManager'],
  ['tenantManager', 'TenantTenantManager', 'TenantManager-69507950'],
  ['siteInfoManager', 'SiteInfoManager', 'SiteInfoManager'],
  ['storageQueryManager', 'StorageQueryManager', 'StorageQueryManager'],
];

async function content(s: SoapSession): Promise<Xml> {
  const res = await s.call('RetrieveServiceContent', 'ServiceInstance', 'ServiceInstance');
  ok(res);
  return (res.result.RetrieveServiceContentResponse as Xml).returnval as Xml;
}

describe("vCenter 8.0.3's ServiceContent", () => {
  test('carries each of its references, and nothing vCenter 8.0.3 does not send', async () => {
    const returnval = await content(pyvmomi8Session(emulator.url()));
    for (const [property, type, value] of REFERENCES) expect(returnval[property], property).toEqual(moref(type, value));
    const references = Object.keys(returnval).filter((k) => k !== '$' && k !== 'about');
    expect(references.sort()).toEqual(REFERENCES.map(([p]) => p).sort());
  });

  test('about is vCenter 8.0.3 build 69507950, API 8.0.2.0', async () => {
    const about = (await content(admin)).about as Xml;
    expect(about).toMatchObject({
      name: 'VMware vCenter Server',
      fullName: 'VMware vCenter Server 8.0.3 build-69507950',
      vendor: 'VMware, Inc.',
      version: '8.0.3',
      patchLevel: '00000',
      build: '69507950',
      localeVersion: 'INTL',
      localeBuild: '000',
      osType: 'linux-x64',
      productLineId: 'vpx',
      apiType: 'VirtualCenter',
      apiVersion: '8.0.2.0',
      licenseProductName: 'VMware VirtualCenter Server',
      licenseProductVersion: '8.0',
    });
    expect(about.instanceUuid).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('every reference names an object that answers every property of its type, by Fetch and by the PropertyCollector', async () => {
    const { registry } = emulator.emulator.inventory;
    for (const [property, type, value] of REFERENCES) {
      const object = registry.get(new ManagedObjectReference(type, value));
      expect(object, property).toBeDefined();
      for (const name of Object.keys(object!.propertyTypes)) {
        const res = await admin.call('Fetch', type, value, `<prop>${name}</prop>`);
        expect(res.status, `${type}.${name}: ${res.body}`).toBe(200);
      }
      const all = await admin.call(
        'RetrievePropertiesEx',
        'PropertyCollector',
        'propertyCollector',
        `<specSet><propSet><type>${type}</type><all>true</all></propSet><objectSet><obj type="${type}">${value}</obj></objectSet></specSet><options/>`,
      );
      expect(all.status, `${type}: ${all.body}`).toBe(200);
    }
  });

  test('required plain properties hold a value, inventory is empty', async () => {
    const fetch = async (type: string, value: string, prop: string) => {
      const res = await admin.call('Fetch', type, value, `<prop>${prop}</prop>`);
      ok(res);
      return (res.result.FetchResponse as Xml).returnval;
    };
    // AlarmManager.lastTriggerId (pyVmomi 6.7.1) is gone from vCenter 8's AlarmManager.
    expectFault(await admin.call('Fetch', 'AlarmManager', 'AlarmManager', '<prop>lastTriggerId</prop>'), 'InvalidProperty');
    expect(await fetch('LicenseManager', 'LicenseManager', 'sourceAvailable')).toEqual({ _: 'false', $: { 'xsi:type': 'xsd:boolean' } });
    expect(await fetch('ViewManager', 'ViewManager', 'viewList')).toBeUndefined();
    expect(await fetch('ScheduledTaskManager', 'ScheduledTaskManager', 'scheduledTask')).toBeUndefined();
    expectFault(await admin.call('Fetch', 'ViewManager', 'ViewManager', '<prop>nope</prop>'), 'InvalidProperty');
  });

  test('methods of the managers outside the task surface are MethodNotFound', async () => {
    expectFault(
      await admin.call('AcknowledgeAlarm', 'AlarmManager', 'AlarmManager', '<alarm type="Alarm">alarm-1</alarm><entity type="Folder">group-d1</entity>'),
      'MethodNotFound',
    );
    expectFault(await admin.call('CreateCollectorForTasks', 'EventManager', 'EventManager', '<filter/>'), 'MethodNotFound', {
      method: 'CreateCollectorForTasks',
    });
  });
});

async function versionsOf(url: string): Promise<{ version: string; prior: string[] }> {
  const res = await rawRequest(url, { method: 'GET', path: '/sdk/vimServiceVersions.xml' });
  expect(res.status).toBe(200);
  const doc = await parseStringPromise(res.body);
  const ns = doc.namespaces.namespace[0];
  expect(ns.name[0]).toBe('urn:vim25');
  return { version: ns.version[0], prior: ns.priorVersions[0].version };
}

describe('the version reported', () => {
  test("vimServiceVersions.xml is vCenter 8.0.3's: an internal token, then 8.0.2.0 down to 4.0", async () => {
    const { version, prior } = await versionsOf(emulator.url());
    expect(version).not.toMatch(/^\d+(\.\d+)*$/);
    expect(prior.slice(0, 5)).toEqual(['8.0.2.0', '8.0.1.0', '8.0.0.2', '8.0.0.1', '8.0.0.0']);
    expect(prior).toContain('6.7.1');
    expect(prior.at(-1)).toBe('4.0');
    expect(prior).toHaveLength(27);
  });

  test('an older version is selectable: --api-version 7.0.3.0 --product-version 7.0.3', async () => {
    const older = await startLoggedIn({ apiVersion: '7.0.3.0', productVersion: '7.0.3', productBuild: '20150588' });
    try {
      const { version, prior } = await versionsOf(older.url());
      expect(version).toBe('7.0.3.0');
      expect(prior[0]).toBe('7.0.2.1');
      expect(prior).not.toContain('8.0.0.0');
      expect(prior).toContain('6.7.1');
      const about = (await content(older.session)).about as Xml;
      expect(about).toMatchObject({
        version: '7.0.3',
        apiVersion: '7.0.3.0',
        build: '20150588',
        fullName: 'VMware vCenter Server 7.0.3 build-20150588',
        licenseProductVersion: '7.0',
      });
    } finally {
      await older.close();
    }
  });
});
