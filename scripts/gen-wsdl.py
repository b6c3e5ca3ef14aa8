#!/usr/bin/python3
"""Generate wsdl/vim.wsdl and wsdl/vimService.wsdl from pyVmomi type metadata.

Run with Debian's python3, on a pyVmomi source checkout (the committed files come
from pyVmomi 8; without --pyvmomi, Debian's python3-pyvmomi 6.7.1 is used):

    /usr/bin/python3 scripts/gen-wsdl.py --pyvmomi /path/to/pyvmomi [--out-dir wsdl]

All facts (type names, field names/types/order, hierarchy, method parameters,
results, declared faults and privileges) are read at runtime from pyVmomi's
VmomiSupport registrations (ServerObjects.py, CoreTypes.py, QueryTypes.py).
The subset selection and the WSDL layout are ours. Output is deterministic.

Layout conventions (relied upon by the server's WSDL loader):
  * one inline XML Schema in <types>, targetNamespace urn:vim25;
  * data objects are complexType/complexContent/extension of their pyVmomi
    base, with only their own fields, in pyVmomi declaration order;
  * DynamicData is the root (<sequence/>), MethodFault extends DynamicData,
    LocalizedMethodFault extends DynamicData (fault + localizedMessage);
  * managed object references -> vim25:ManagedObjectReference, fields and
    parameters of any fault type -> vim25:LocalizedMethodFault;
  * every fault type X gets an element XFault;
  * every operation M gets MRequestType/M and MResponse, messages
    MRequestMsg/MResponseMsg, and one XFaultMsg per fault used;
  * portType operations carry vte:managedType / vte:privilege attributes
    (namespace urn:vtask-emulator);
  * vte:since on a complexType or an element names the vim25 API version
    (versionId, e.g. "8.0.1.0") that introduced it, as pyVmomi records it;
    absent means the type/field is as old as vim25 itself (or, on a field,
    as old as its type). <definitions vte:apiVersions="..."> lists every
    vim25 versionId pyVmomi knows, oldest first: the order "newer" means.
"""

import argparse
import os
import sys
from xml.sax.saxutils import quoteattr

# --pyvmomi must take effect before pyVmomi is imported: its source goes
# first on sys.path, ahead of Debian's python3-pyvmomi.
_pre = argparse.ArgumentParser(add_help=False)
_pre.add_argument("--pyvmomi")
_PYVMOMI_PATH = _pre.parse_known_args()[0].pyvmomi
if _PYVMOMI_PATH:
    sys.path.insert(0, os.path.abspath(_PYVMOMI_PATH))

import pyVmomi  # noqa: E402
from pyVmomi import VmomiSupport as V  # noqa: E402

# Debian's 6.7.1 predates pyVmomi.version_info_str.
PYVMOMI_VERSION = getattr(pyVmomi, "version_info_str", None) or "6.7.1"
NS = "urn:vim25"
VTE_NS = "urn:vtask-emulator"
# Set in main() to the newest version pyVmomi knows, as vCenter's own WSDL does.
SOAP_ACTION = None

# --------------------------------------------------------------------------
# Selection (ours): operations, by WSDL method name, and extra root types.
# --------------------------------------------------------------------------

OPERATIONS = [
    # ManagedObject (see EXTRA_OPERATIONS)
    "Fetch",
    # ServiceInstance
    "RetrieveServiceContent", "CurrentTime",
    # SessionManager
    "Login", "Logout", "SessionIsActive",
    # TaskManager
    "CreateTask", "CreateCollectorForTasks",
    # Task
    "CancelTask", "SetTaskDescription", "SetTaskState", "UpdateProgress",
    # ExtensionManager
    "RegisterExtension", "UnregisterExtension", "FindExtension",
    "UpdateExtension",
    # PropertyCollector
    "RetrieveProperties", "RetrievePropertiesEx",
    "ContinueRetrievePropertiesEx", "CancelRetrievePropertiesEx",
    "CreateFilter", "WaitForUpdates", "WaitForUpdatesEx", "CheckForUpdates",
    "CancelWaitForUpdates", "CreatePropertyCollector",
    "DestroyPropertyCollector",
    # PropertyFilter
    "DestroyPropertyFilter",
    # TaskHistoryCollector / HistoryCollector
    "ReadNextTasks", "ReadPreviousTasks", "SetCollectorPageSize",
    "RewindCollector", "ResetCollector", "DestroyCollector",
    # ViewManager, View, ListView
    "CreateListView", "CreateListViewFromView", "CreateContainerView",
    "DestroyView", "ModifyListView", "ResetListView",
    # EventManager, EventHistoryCollector
    "PostEvent", "QueryEvents", "CreateCollectorForEvents", "ReadNextEvents",
    "ReadPreviousEvents",
    # SearchIndex
    "FindByInventoryPath", "FindChild", "FindByUuid",
    # SessionManager, ExtensionManager (certificate login)
    "TerminateSession", "LoginExtensionByCertificate",
    "SetExtensionCertificate",
    # AuthorizationManager
    "HasPrivilegeOnEntities", "HasPrivilegeOnEntity",
    "FetchUserPrivilegeOnEntities",
    # Every *_Task method of the inventory entity types (ManagedEntity,
    # Folder, Datacenter, ComputeResource, ClusterComputeResource, HostSystem,
    # ResourcePool, Datastore, Network, VirtualMachine, VirtualMachineSnapshot)
    "Destroy_Task", "Rename_Task", "AddStandaloneHost_Task",
    "BatchAddHostsToCluster_Task", "BatchAddStandaloneHosts_Task",
    "CreateDVS_Task", "CreateVM_Task", "MoveIntoFolder_Task",
    "RegisterVM_Task", "UnregisterAndDestroy_Task", "PowerOnMultiVM_Task",
    "ReconfigureDatacenter_Task", "ReconfigureComputeResource_Task",
    "AddHost_Task", "ConfigureHCI_Task", "ExtendHCI_Task", "MoveHostInto_Task",
    "MoveInto_Task", "ReconfigureCluster_Task", "StampAllRulesWithUuid_Task",
    "DisconnectHost_Task", "EnterMaintenanceMode_Task",
    "ExitMaintenanceMode_Task", "PowerDownHostToStandBy_Task",
    "PowerUpHostFromStandBy_Task", "RebootHost_Task",
    "ReconfigureHostForDAS_Task", "ReconnectHost_Task", "ShutdownHost_Task",
    "UpdateProductLockerLocation_Task", "CreateChildVM_Task",
    "RegisterChildVM_Task", "DatastoreExitMaintenanceMode_Task",
    "UpdateVVolVirtualMachineFiles_Task", "UpdateVirtualMachineFiles_Task",
    "ApplyEvcModeVM_Task", "AttachDisk_Task", "CloneVM_Task",
    "ConsolidateVMDisks_Task", "CreateScreenshot_Task",
    "CreateSecondaryVMEx_Task", "CreateSecondaryVM_Task",
    "CreateSnapshotEx_Task", "CreateSnapshot_Task", "CryptoUnlock_Task",
    "CustomizeVM_Task", "DetachDisk_Task", "DisableSecondaryVM_Task",
    "EnableSecondaryVM_Task", "EstimateStorageForConsolidateSnapshots_Task",
    "InstantClone_Task", "MakePrimaryVM_Task", "MigrateVM_Task",
    "PowerOffVM_Task", "PowerOnVM_Task", "PromoteDisks_Task",
    "ReconfigVM_Task", "RelocateVM_Task", "RemoveAllSnapshots_Task",
    "ResetVM_Task", "RevertToCurrentSnapshot_Task", "StartRecording_Task",
    "StartReplaying_Task", "StopRecording_Task", "StopReplaying_Task",
    "SuspendVM_Task", "TerminateFaultTolerantVM_Task",
    "TurnOffFaultToleranceForVM_Task", "UpgradeTools_Task", "UpgradeVM_Task",
    "reloadVirtualMachineFromPath_Task", "RemoveSnapshot_Task",
    "RevertToSnapshot_Task",
]

# Extra root data/enum types (VMODL names). Their transitive field closure is
# included as well.
EXTRA_ROOTS = [
    "vim.ServiceInstanceContent", "vim.AboutInfo", "vim.UserSession",
    "vim.TaskInfo", "vim.TaskReason", "vim.TaskDescription",
    "vim.TaskFilterSpec", "vim.Extension",
    "vim.KeyValue", "vmodl.KeyAnyValue", "vmodl.LocalizableMessage",
    "vim.CustomFieldsManager.Value", "vim.CustomFieldsManager.StringValue",
    "vim.CustomFieldsManager.FieldDef",
    "vim.ElementDescription", "vim.Description", "vim.event.EventDescription",
    # AuthorizationManager properties (roleList, privilegeList, description)
    "vim.AuthorizationManager.Role", "vim.AuthorizationManager.Privilege",
    "vim.AuthorizationDescription",
    "vmodl.query.PropertyCollector.FilterSpec",
    "vmodl.query.PropertyCollector.PropertySpec",
    "vmodl.query.PropertyCollector.ObjectSpec",
    "vmodl.query.PropertyCollector.SelectionSpec",
    "vmodl.query.PropertyCollector.TraversalSpec",
    "vmodl.query.PropertyCollector.ObjectContent",
    "vmodl.query.PropertyCollector.RetrieveOptions",
    "vmodl.query.PropertyCollector.RetrieveResult",
    "vmodl.query.PropertyCollector.UpdateSet",
    "vmodl.query.PropertyCollector.FilterUpdate",
    "vmodl.query.PropertyCollector.ObjectUpdate",
    "vmodl.query.PropertyCollector.Change",
    "vmodl.query.PropertyCollector.MissingObject",
    "vmodl.query.PropertyCollector.WaitOptions",
    "vmodl.DynamicProperty", "vmodl.query.PropertyCollector.MissingProperty",
    # The inventory entities' properties (issue 16): what clients read on the task paths.
    "vim.vm.RuntimeInfo", "vim.vm.Summary", "vim.vm.ConfigInfo",
    "vim.vm.SnapshotInfo", "vim.vm.SnapshotTree", "vim.alarm.AlarmState",
]

# Root types whose nested (VMODL name prefix) data/enum types and subtypes
# are included too.
NESTED_ROOTS = [
    "vim.TaskFilterSpec", "vim.Extension", "vmodl.query.PropertyCollector",
]
# Root types whose subtypes are included too: clients send (and events are
# answered as) these subtypes with xsi:type.
SUBTYPE_ROOTS = [
    "vim.TaskReason", "vim.event.Event", "vim.vm.device.VirtualDevice",
    "vim.vm.device.VirtualDeviceSpec", "vim.vm.device.VirtualDevice.BackingInfo",
]

# Primitive VMODL names -> XSD types.
PRIMITIVES = {
    "string": "xsd:string",
    "boolean": "xsd:boolean",
    "bool": "xsd:boolean",
    "byte": "xsd:byte",
    "short": "xsd:short",
    "int": "xsd:int",
    "long": "xsd:long",
    "float": "xsd:float",
    "double": "xsd:double",
    "vmodl.DateTime": "xsd:dateTime",
    "vmodl.Binary": "xsd:base64Binary",
    "vmodl.URI": "xsd:anyURI",
    "vmodl.TypeName": "xsd:string",
    "vmodl.MethodName": "xsd:string",
    "vmodl.PropertyPath": "xsd:string",
    "anyType": "xsd:anyType",
}

# ArrayOfX for primitives: (array name, item element name, item type).
# The names are those pyVmomi writes as xsi:type for arrays inside anyType
# values ("ArrayOf" + Capitalize(wsdlName); TypeName/MethodName/PropertyPath
# arrays are written as ArrayOfString).
PRIMITIVE_ARRAYS = [
    ("ArrayOfString", "string", "xsd:string"),
    ("ArrayOfBoolean", "boolean", "xsd:boolean"),
    ("ArrayOfByte", "byte", "xsd:byte"),
    ("ArrayOfShort", "short", "xsd:short"),
    ("ArrayOfInt", "int", "xsd:int"),
    ("ArrayOfLong", "long", "xsd:long"),
    ("ArrayOfFloat", "float", "xsd:float"),
    ("ArrayOfDouble", "double", "xsd:double"),
    ("ArrayOfDateTime", "dateTime", "xsd:dateTime"),
    ("ArrayOfAnyURI", "anyURI", "xsd:anyURI"),
    ("ArrayOfBase64Binary", "base64Binary", "xsd:base64Binary"),
    ("ArrayOfAnyType", "anyType", "xsd:anyType"),
    ("ArrayOfManagedObjectReference", "ManagedObjectReference",
     "vim25:ManagedObjectReference"),
]

METHOD_FAULT = V.GetVmodlType("vmodl.MethodFault")
RUNTIME_FAULT = V.GetVmodlType("vmodl.RuntimeFault")
DYNAMIC_DATA = V.GetVmodlType("vmodl.DynamicData")
LOCALIZED_METHOD_FAULT = V.GetVmodlType("vmodl.LocalizedMethodFault")


# --------------------------------------------------------------------------
# Metadata helpers
# --------------------------------------------------------------------------

def version_since(version):
    """The vim25 versionId ("8.0.1.0") of a pyVmomi version name, or None
    for the versions every vim25 client knows (vim.version.version1, whose
    namespace is vim2, and the vmodl core versions, which have no id)."""
    if V.nsMap.get(version) != "vim25":
        return None
    return V.versionIdMap.get(version) or None


def version_rank(version):
    """How many versions precede this one: pyVmomi lists, for each version,
    every version it extends (AddVersionParent), so the count orders them."""
    if version_since(version) is None:
        return 0
    return len(V.parentMap[version])


def api_versions():
    """Every vim25 versionId pyVmomi knows, oldest first."""
    names = [v for v in V.parentMap if version_since(v)]
    names.sort(key=version_rank)
    return [version_since(v) for v in names]


def type_since(typ):
    return version_since(typ._version)


def field_since(typ, name):
    """A field's version, when it is newer than its type's."""
    for p in typ._propList:
        if p.name == name:
            if version_rank(p.version) > version_rank(typ._version):
                return version_since(p.version)
            return None
    return None


def ns_of(typ):
    return V.GetWsdlNamespace(typ._version)


def vmodl_name(typ):
    return V.GetVmodlName(typ)


def classify(type_name, flags=0):
    """Classify a VMODL type name (without []) -> (kind, detail).

    kind: prim (detail = xsd type), mor, fault, data (detail = type), enum.
    """
    if flags & V.F_LINK:
        # Links are serialized as the key of the linked object.
        return ("prim", "xsd:string")
    if type_name in PRIMITIVES:
        return ("prim", PRIMITIVES[type_name])
    typ = V.GetVmodlType(type_name)
    if issubclass(typ, V.ManagedObject):
        return ("mor", None)
    if issubclass(typ, METHOD_FAULT):
        return ("fault", typ)
    if issubclass(typ, V.DataObject):
        return ("data", typ)
    if issubclass(typ, V.Enum):
        return ("enum", typ)
    raise ValueError("unclassifiable type %r" % type_name)


def raw_type_name(info):
    """Declared VMODL type name of a property/param LazyObject."""
    if info.flags & V.F_LINK:
        return info.expectedType
    return info.typeName


def split_array(type_name):
    if type_name.endswith("[]"):
        return type_name[:-2], True
    return type_name, False


def own_props(typ):
    """Own fields of a data type as (name, typeName, flags) in decl order."""
    props = [(p.name, raw_type_name(p), p.flags) for p in typ._propList]
    if typ is METHOD_FAULT:
        # 'msg' is a pyVmomi-side convenience (BASE_VERSION, never sent on
        # the wire inside faults); vim25 declares faultCause/faultMessage only.
        props = [p for p in props if p[0] != "msg"]
    if typ is DYNAMIC_DATA:
        # dynamicType/dynamicProperty are not modelled (root is <sequence/>).
        props = []
    return props


def base_of(typ):
    if typ is DYNAMIC_DATA:
        return None
    if typ is LOCALIZED_METHOD_FAULT:
        # pyVmomi registers it under MethodFault for (de)serialization
        # convenience; vim25 declares it as a DynamicData.
        return DYNAMIC_DATA
    base = typ.__bases__[0]
    if base is V.DataObject:
        # e.g. vmodl.DynamicProperty: a root type of its own.
        return None
    assert issubclass(base, DYNAMIC_DATA), (typ, base)
    return base


def is_vim25(typ):
    return ns_of(typ) == NS


def all_vim25_types():
    """All data/enum types registered by pyVmomi in the urn:vim25 namespace."""
    data, enums = [], []
    for name in sorted(V._dataDefMap):
        if name == "DataObject":
            continue
        typ = V.GetVmodlType(name)
        if is_vim25(typ):
            data.append(typ)
    for name in sorted(V._enumDefMap):
        typ = V.GetVmodlType(name)
        if is_vim25(typ):
            enums.append(typ)
    return data, enums


# --------------------------------------------------------------------------
# Selection
# --------------------------------------------------------------------------

def lookup_method(wsdl_name):
    """pyVmomi's own registration first; the hand description only if it has none."""
    try:
        return V.GetWsdlMethod(NS, wsdl_name).info
    except KeyError:
        if wsdl_name in EXTRA_OPERATIONS:
            return EXTRA_OPERATIONS[wsdl_name]
        raise


# Operations pyVmomi's metadata does not register (neither 6.7.1 nor 8.0.3
# does: pyVmomi 8 builds Fetch on the fly), described here by hand.
#
# Fetch: pyVmomi 8 reads every managed property with Fetch(prop) on the
# object itself (StubAdapterAccessorImpl.InvokeAccessor builds it on the fly,
# on vmodl.ManagedObject, with one string parameter and the property's type as
# the result). Its result here is xsd:anyType, since one operation serves
# properties of every type. pyVmomi declares no privilege for it; it is
# routed as System.Anonymous (like RetrievePropertiesEx), so that the
# per-property read rules decide, as they do for the PropertyCollector.
EXTRA_OPERATIONS = {
    "Fetch": V.Object(
        wsdlName="Fetch", typeName="vmodl.ManagedObject",
        privId="System.Anonymous", version="vmodl.version.version0",
        params=(V.Object(name="prop", typeName="string", flags=0,
                         version="vmodl.version.version0"),),
        resultName="anyType", resultFlags=V.F_OPTIONAL,
        faults=["vmodl.query.InvalidProperty"]),
}


def compute_closure(roots):
    """Transitive closure over field types and bases of data types."""
    data, enums = set(), set()
    work = list(roots)
    while work:
        typ = work.pop()
        if issubclass(typ, V.Enum):
            enums.add(typ)
            continue
        if typ in data:
            continue
        data.add(typ)
        base = base_of(typ)
        if base is not None:
            work.append(base)
        if typ is LOCALIZED_METHOD_FAULT:
            work.append(METHOD_FAULT)
        for _, tname, flags in own_props(typ):
            kind, detail = classify(split_array(tname)[0], flags)
            if kind in ("data", "enum"):
                work.append(detail)
            elif kind == "fault":
                work.append(LOCALIZED_METHOD_FAULT)
    return data, enums


def select(ops_info, all_data, all_enums):
    roots = []

    def add_ref(tname, flags=0):
        name, _ = split_array(tname)
        if name == "void":
            return
        kind, detail = classify(name, flags)
        if kind in ("data", "enum"):
            roots.append(detail)
        elif kind == "fault":
            roots.append(LOCALIZED_METHOD_FAULT)

    for info in ops_info:
        for p in info.params:
            add_ref(raw_type_name(p), p.flags)
        add_ref(info.resultName)
    for name in EXTRA_ROOTS:
        roots.append(V.GetVmodlType(name))
    for typ in all_data + all_enums:
        vname = vmodl_name(typ)
        if any(vname.startswith(r + ".") for r in NESTED_ROOTS):
            if not issubclass(typ, METHOD_FAULT):
                roots.append(typ)
        if any(issubclass(typ, V.GetVmodlType(r)) for r in SUBTYPE_ROOTS):
            roots.append(typ)
    roots += [DYNAMIC_DATA, METHOD_FAULT, LOCALIZED_METHOD_FAULT]
    return compute_closure(roots)


# A data type referenced only from fault fields is declared (instead of the
# field becoming xsd:anyType) when it is a leaf type (no subtypes, so no
# xsi:type polymorphism to model) and its closure adds at most this many types.
SMALL_CLOSURE_LIMIT = 2


def extend_for_faults(faults, closure_data, closure_enums, all_data):
    data, enums = set(closure_data), set(closure_enums)
    candidates = set()
    for f in faults:
        for _, tname, flags in own_props(f):
            kind, detail = classify(split_array(tname)[0], flags)
            if kind == "data" and detail not in data:
                candidates.add(detail)
    for typ in sorted(candidates, key=vmodl_name):
        if typ in data:
            continue
        if any(t is not typ and issubclass(t, typ) for t in all_data):
            continue
        d, e = compute_closure([typ])
        if len(d - data) <= SMALL_CLOSURE_LIMIT:
            data |= d
            enums |= e
    return data, enums


# --------------------------------------------------------------------------
# Emission
# --------------------------------------------------------------------------

class Ctx:
    def __init__(self, closure_data, closure_enums, faults):
        self.closure_data = closure_data
        self.enums = set(closure_enums)
        self.faults = faults
        self.anytyped = []  # (type wsdl name, field name, original type)

    def xsd_type(self, tname, flags=0, owner=None, field=None):
        kind, detail = classify(tname, flags)
        if kind == "prim":
            return detail
        if kind == "mor":
            return "vim25:ManagedObjectReference"
        if kind == "fault":
            return "vim25:LocalizedMethodFault"
        if kind == "enum":
            self.enums.add(detail)
            return "vim25:" + detail._wsdlName
        if detail in self.closure_data:
            return "vim25:" + detail._wsdlName
        # Data type outside the closure (only reachable from fault fields).
        self.anytyped.append((owner, field, vmodl_name(detail)))
        return "xsd:anyType"


def element(name, xtype, optional=False, array=False, since=None):
    attrs = 'name=%s type=%s' % (quoteattr(name), quoteattr(xtype))
    # Like vCenter's own vim.wsdl, a required array needs at least one item.
    if optional:
        attrs += ' minOccurs="0"'
    if array:
        attrs += ' maxOccurs="unbounded"'
    if since:
        attrs += ' vte:since=%s' % quoteattr(since)
    return '<element %s/>' % attrs


def field_element(ctx, owner, name, tname, flags, since=None):
    base_name, is_array = split_array(tname)
    xtype = ctx.xsd_type(base_name, flags, owner, name)
    return element(name, xtype, bool(flags & V.F_OPTIONAL), is_array, since)


def type_open(name, typ):
    since = type_since(typ) if typ is not None else None
    attrs = 'name=%s' % quoteattr(name)
    if since:
        attrs += ' vte:since=%s' % quoteattr(since)
    return '<complexType %s>' % attrs


def complex_type(ctx, typ):
    name = typ._wsdlName
    if typ is DYNAMIC_DATA:
        return ['<complexType name="DynamicData"><sequence/></complexType>']
    if typ is LOCALIZED_METHOD_FAULT:
        fields = [("fault", None, 0), ("localizedMessage", "string",
                                       V.F_OPTIONAL)]
        elems = [element("fault", "vim25:MethodFault"),
                 element("localizedMessage", "xsd:string", optional=True)]
    else:
        elems = [field_element(ctx, name, n, t, f, field_since(typ, n))
                 for n, t, f in own_props(typ)]
    base = base_of(typ)
    if base is None:
        out = [type_open(name, typ)]
        if elems:
            out.append('  <sequence>')
            out += ['    ' + e for e in elems]
            out.append('  </sequence>')
        else:
            out.append('  <sequence/>')
        out.append('</complexType>')
        return out
    out = [type_open(name, typ),
           '  <complexContent>',
           '    <extension base=%s>' % quoteattr("vim25:" + base._wsdlName)]
    if elems:
        out.append('      <sequence>')
        out += ['        ' + e for e in elems]
        out.append('      </sequence>')
    else:
        out.append('      <sequence/>')
    out += ['    </extension>', '  </complexContent>', '</complexType>']
    return out


def enum_type(typ):
    out = ['<simpleType name=%s>' % quoteattr(typ._wsdlName),
           '  <restriction base="xsd:string">']
    # Keep pyVmomi's declaration order of values.
    values = V._enumDefMap[vmodl_name(typ)][3]
    out += ['    <enumeration value=%s/>' % quoteattr(v) for v in values]
    out += ['  </restriction>', '</simpleType>']
    return out


def array_type(name, item, xtype, typ=None):
    return [type_open(name, typ),
            '  <sequence>',
            '    <element name=%s type=%s minOccurs="0" maxOccurs="unbounded"/>'
            % (quoteattr(item), quoteattr(xtype)),
            '  </sequence>',
            '</complexType>']


def wsdl_fault_name(typ):
    return typ._wsdlName + "Fault"


def operation_faults(info):
    faults = [V.GetVmodlType(f) for f in (info.faults or [])]
    if RUNTIME_FAULT not in faults:
        faults.append(RUNTIME_FAULT)
    return faults


def generate(out_dir):
    ops_info = [lookup_method(m) for m in OPERATIONS]
    ops_info.sort(key=lambda i: i.wsdlName)
    all_data, all_enums = all_vim25_types()
    closure_data, closure_enums = select(ops_info, all_data, all_enums)

    faults = sorted((t for t in all_data if issubclass(t, METHOD_FAULT)
                     and t is not LOCALIZED_METHOD_FAULT),
                    key=lambda t: t._wsdlName)
    closure_data, closure_enums = extend_for_faults(
        faults, closure_data, closure_enums, all_data)
    ctx = Ctx(closure_data, closure_enums, faults)

    # Declared data types: closure (non-fault) + every fault type.
    declared = {t for t in closure_data} | set(faults)
    declared = sorted(declared, key=lambda t: t._wsdlName)
    for t in declared:
        b = base_of(t)
        assert b is None or b in declared, (t, b)

    schema = []
    seen_names = set()

    def note(name):
        assert name not in seen_names, "duplicate schema name %s" % name
        seen_names.add(name)

    # ManagedObjectReference
    note("ManagedObjectReference")
    schema += ['<complexType name="ManagedObjectReference">',
               '  <simpleContent>',
               '    <extension base="xsd:string">',
               '      <attribute name="type" type="xsd:string"/>',
               '    </extension>',
               '  </simpleContent>',
               '</complexType>']

    # Data objects and faults (sorted by WSDL name)
    for t in declared:
        note(t._wsdlName)
        schema += complex_type(ctx, t)

    # Request types (field types may pull in further enums, so before enums)
    requests = []
    for info in ops_info:
        name = info.wsdlName
        elems = [element("_this", "vim25:ManagedObjectReference")]
        for p in info.params:
            elems.append(field_element(ctx, name, p.name, raw_type_name(p),
                                       p.flags, version_since(p.version)
                                       if version_rank(p.version) >
                                       version_rank(info.version) else None))
        note(name + "RequestType")
        requests += ['<complexType name=%s>' % quoteattr(name + "RequestType"),
                     '  <sequence>']
        requests += ['    ' + e for e in elems]
        requests += ['  </sequence>', '</complexType>']
    # Responses
    responses = []
    for info in ops_info:
        name = info.wsdlName
        note(name + "Response")
        responses.append('<element name=%s>' % quoteattr(name + "Response"))
        responses.append('  <complexType>')
        if info.resultName == "void":
            responses.append('    <sequence/>')
        else:
            rname, is_array = split_array(info.resultName)
            xtype = ctx.xsd_type(rname, 0, name + "Response", "returnval")
            responses += ['    <sequence>',
                          '      ' + element(
                              "returnval", xtype,
                              bool(info.resultFlags & V.F_OPTIONAL), is_array),
                          '    </sequence>']
        responses += ['  </complexType>', '</element>']

    # Enums (closure + those used by fault fields / params)
    enums = sorted(ctx.enums, key=lambda t: t._wsdlName)
    for t in enums:
        note(t._wsdlName)
        schema += enum_type(t)

    # Arrays
    arrays = []
    for name, item, xtype in PRIMITIVE_ARRAYS:
        arrays.append((name, item, xtype))
    item_types = {}
    for t in declared:
        if issubclass(t, METHOD_FAULT) and t not in (METHOD_FAULT,
                                                     LOCALIZED_METHOD_FAULT):
            continue
        arrays.append(("ArrayOf" + V.Capitalize(t._wsdlName), t._wsdlName,
                       "vim25:" + t._wsdlName))
        item_types[t._wsdlName] = t
    for t in enums:
        arrays.append(("ArrayOf" + V.Capitalize(t._wsdlName), t._wsdlName,
                       "vim25:" + t._wsdlName))
    for name, item, xtype in sorted(arrays):
        note(name)
        # An array of a data type is as new as its item type.
        schema += array_type(name, item, xtype, item_types.get(item))

    # Fault elements
    for t in faults:
        note(wsdl_fault_name(t))
        schema.append('<element name=%s type=%s/>' % (
            quoteattr(wsdl_fault_name(t)), quoteattr("vim25:" + t._wsdlName)))

    schema += requests
    # Request elements
    for info in ops_info:
        note(info.wsdlName)
        schema.append('<element name=%s type=%s/>' % (
            quoteattr(info.wsdlName),
            quoteattr("vim25:" + info.wsdlName + "RequestType")))
    schema += responses

    # Messages
    messages = []
    used_faults = set()
    for info in ops_info:
        for f in operation_faults(info):
            used_faults.add(f)
        messages.append((info.wsdlName + "RequestMsg", "parameters",
                         info.wsdlName))
        messages.append((info.wsdlName + "ResponseMsg", "parameters",
                         info.wsdlName + "Response"))
    for f in used_faults:
        messages.append((wsdl_fault_name(f) + "Msg", "fault",
                         wsdl_fault_name(f)))
    messages.sort()

    header = ("Generated by scripts/gen-wsdl.py from pyVmomi %s metadata. "
              "Do not edit by hand." % PYVMOMI_VERSION)

    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<!-- %s -->' % header,
             '<definitions targetNamespace="urn:vim25" '
             'xmlns="http://schemas.xmlsoap.org/wsdl/" '
             'xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" '
             'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
             'xmlns:vim25="urn:vim25" '
             'xmlns:vte="%s" vte:apiVersions=%s>'
             % (VTE_NS, quoteattr(" ".join(api_versions()))),
             '  <types>',
             '    <schema targetNamespace="urn:vim25" '
             'xmlns="http://www.w3.org/2001/XMLSchema" '
             'xmlns:vim25="urn:vim25" '
             'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
             'elementFormDefault="qualified">']
    lines += ['      ' + l for l in schema]
    lines += ['    </schema>', '  </types>']
    for mname, part, elem in messages:
        lines.append('  <message name=%s><part name=%s element=%s/></message>'
                     % (quoteattr(mname), quoteattr(part),
                        quoteattr("vim25:" + elem)))

    lines.append('  <portType name="VimPortType">')
    for info in ops_info:
        name = info.wsdlName
        owner = V.GetVmodlType(info.typeName)._wsdlName
        attrs = 'name=%s vte:managedType=%s' % (quoteattr(name),
                                                quoteattr(owner))
        if info.privId is not None:
            attrs += ' vte:privilege=%s' % quoteattr(info.privId)
        lines.append('    <operation %s>' % attrs)
        lines.append('      <input message=%s/>'
                     % quoteattr("vim25:" + name + "RequestMsg"))
        lines.append('      <output message=%s/>'
                     % quoteattr("vim25:" + name + "ResponseMsg"))
        for f in operation_faults(info):
            fn = wsdl_fault_name(f)
            lines.append('      <fault name=%s message=%s/>'
                         % (quoteattr(fn), quoteattr("vim25:" + fn + "Msg")))
        lines.append('    </operation>')
    lines.append('  </portType>')

    lines.append('  <binding name="VimBinding" type="vim25:VimPortType">')
    lines.append('    <soap:binding style="document" '
                 'transport="http://schemas.xmlsoap.org/soap/http"/>')
    for info in ops_info:
        name = info.wsdlName
        lines.append('    <operation name=%s>' % quoteattr(name))
        lines.append('      <soap:operation soapAction="%s" style="document"/>'
                     % SOAP_ACTION)
        lines.append('      <input><soap:body use="literal"/></input>')
        lines.append('      <output><soap:body use="literal"/></output>')
        for f in operation_faults(info):
            fn = quoteattr(wsdl_fault_name(f))
            lines.append('      <fault name=%s><soap:fault name=%s '
                         'use="literal"/></fault>' % (fn, fn))
        lines.append('    </operation>')
    lines.append('  </binding>')
    lines.append('</definitions>')

    service = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!-- %s -->' % header,
        '<definitions targetNamespace="urn:vim25Service" '
        'xmlns="http://schemas.xmlsoap.org/wsdl/" '
        'xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" '
        'xmlns:interface="urn:vim25">',
        '  <import location="vim.wsdl" namespace="urn:vim25"/>',
        '  <service name="VimService">',
        '    <port binding="interface:VimBinding" name="VimPort">',
        '      <soap:address location="https://localhost/sdk"/>',
        '    </port>',
        '  </service>',
        '</definitions>',
    ]

    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "vim.wsdl"), "w", encoding="utf-8",
              newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(out_dir, "vimService.wsdl"), "w",
              encoding="utf-8", newline="\n") as f:
        f.write("\n".join(service) + "\n")

    n_data = len([t for t in declared if not issubclass(t, METHOD_FAULT)])
    sys.stderr.write(
        "vim.wsdl: %d data types, %d fault types, %d enums, %d arrays, "
        "%d operations, %d fault fields as xsd:anyType\n"
        % (n_data, len(faults), len(enums), len(arrays), len(ops_info),
           len(ctx.anytyped)))
    return ctx


def managed_property_type(info):
    """The WSDL type of a managed property, as the server declares it."""
    name, is_array = split_array(raw_type_name(info))
    kind, detail = classify(name, info.flags)
    if kind == "prim":
        item = detail
        if is_array:
            return "ArrayOfString" if item == "xsd:string" else "ArrayOf" + V.Capitalize(item[4:])
        return item
    if kind == "mor":
        return "ArrayOfManagedObjectReference" if is_array else "ManagedObjectReference"
    wsdl = detail._wsdlName
    return "ArrayOf" + V.Capitalize(wsdl) if is_array else wsdl


def managed_types():
    """Every managed type ServiceContent refers to: its supertypes and its properties."""
    content = V.GetVmodlType("vim.ServiceInstanceContent")
    out = {}
    for prop in content._propList:
        typ = prop.type
        if not (isinstance(typ, type) and issubclass(typ, V.ManagedObject)):
            continue
        chain = []
        cursor = typ
        while cursor is not None and issubclass(cursor, V.ManagedObject):
            chain.append(cursor._wsdlName)
            bases = [b for b in cursor.__bases__ if issubclass(b, V.ManagedObject)]
            cursor = bases[0] if bases else None
        props = []
        for t in reversed([V.GetWsdlType(NS, n) for n in chain]):
            for p in t._propList:
                if any(q["name"] == p.name for q in props):
                    continue
                props.append({"name": p.name, "type": managed_property_type(p),
                              "optional": bool(p.flags & V.F_OPTIONAL)})
        out[prop.name] = {"type": typ._wsdlName, "typeChain": chain,
                          "properties": props}
    return out


def write_managed_types(out_dir):
    import json
    doc = {"comment": "Generated by scripts/gen-wsdl.py from pyVmomi %s "
                      "metadata: each ServiceContent property that refers to "
                      "a managed object, with that type's supertypes and "
                      "properties (WSDL type names). Do not edit by hand."
                      % PYVMOMI_VERSION,
           "serviceContent": managed_types()}
    with open(os.path.join(out_dir, "managed-types.json"), "w",
              encoding="utf-8", newline="\n") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", default=os.path.join(here, "..", "wsdl"))
    ap.add_argument("--pyvmomi", metavar="PATH",
                    help="a pyVmomi source checkout (the directory holding "
                         "pyVmomi/), put first on sys.path; without it the "
                         "installed pyVmomi (Debian's 6.7.1) is used")
    ap.add_argument("--list-anytyped", action="store_true",
                    help="list fault fields declared as xsd:anyType")
    args = ap.parse_args()
    global SOAP_ACTION
    SOAP_ACTION = "urn:vim25/" + api_versions()[-1]
    ctx = generate(os.path.normpath(args.out_dir))
    write_managed_types(os.path.normpath(args.out_dir))
    if args.list_anytyped:
        for owner, field, orig in sorted(ctx.anytyped):
            print("%s.%s: %s" % (owner, field, orig))


if __name__ == "__main__":
    main()
