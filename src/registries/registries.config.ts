/**
 * The registries shipped with the platform and their source departments. This file is
 * configuration: a city adds a registry or moves an attribute to another department here (or
 * passes its own list to `RegistryService`), and binds each source department to one of its
 * organisations at run time (`PUT /api/v1/registries/sources/:source`).
 */
import type { RegistryDefinition } from './registry-definition.js';

/** Source departments by role (what they are responsible for), not by organisation. */
export const SOURCE_DEPARTMENTS: Readonly<
  Record<string, { zh: string; en: string; /** Suffix of the org name the demo binds automatically. */ nameHint: string }>
> = {
  'public-security': { zh: '公安局', en: 'Public Security Bureau', nameHint: '公安局' },
  'civil-affairs': { zh: '民政局', en: 'Civil Affairs Bureau', nameHint: '民政局' },
  'market-regulation': { zh: '市场监督管理局', en: 'Market Regulation Administration', nameHint: '市场监督管理局' },
  'natural-resources': { zh: '自然资源和规划局', en: 'Natural Resources and Planning Bureau', nameHint: '自然资源和规划局' },
};

const CITIZEN = ['citizen-id'] as const;

export const POPULATION: RegistryDefinition = {
  key: 'population',
  version: '1',
  name: { zh: '人口基础信息库', en: 'Population register' },
  keyAttribute: 'idNumber',
  dataSubjectAttribute: 'idNumber',
  discrepancyDays: 10,
  attributes: [
    {
      name: 'idNumber',
      label: { zh: '公民身份号码', en: 'Citizen identity number' },
      type: 'identifier',
      identifierTypes: CITIZEN,
      source: 'public-security',
      required: true,
      personal: true,
    },
    { name: 'name', label: { zh: '姓名', en: 'Name' }, type: 'string', maxLength: 50, source: 'public-security', required: true, personal: true },
    {
      name: 'sex',
      label: { zh: '性别', en: 'Sex' },
      type: 'code',
      codeTable: 'gb2261.1-sex',
      source: 'public-security',
      required: true,
      matchesKeyPart: { part: 'sex', map: { male: '1', female: '2' } },
    },
    {
      name: 'birthDate',
      label: { zh: '出生日期', en: 'Date of birth' },
      type: 'date',
      source: 'public-security',
      required: true,
      personal: true,
      notInFuture: true,
      matchesKeyPart: { part: 'birthDate' },
    },
    { name: 'ethnicity', label: { zh: '民族', en: 'Ethnicity' }, type: 'code', codeTable: 'gb3304-ethnicity', source: 'public-security' },
    {
      name: 'householdAddress',
      label: { zh: '户籍地址', en: 'Household registration address' },
      type: 'string',
      maxLength: 200,
      source: 'public-security',
      personal: true,
      sensitive: true,
    },
    { name: 'householdDivision', label: { zh: '户籍地行政区划', en: 'Household registration division' }, type: 'division', source: 'public-security' },
    {
      name: 'residenceAddress',
      label: { zh: '居住地址', en: 'Residence address' },
      type: 'string',
      maxLength: 200,
      source: 'public-security',
      personal: true,
      sensitive: true,
    },
    {
      name: 'maritalStatus',
      label: { zh: '婚姻状况', en: 'Marital status' },
      type: 'code',
      codeTable: 'gb2261.2-marital',
      source: 'civil-affairs',
      personal: true,
      sensitive: true,
    },
    { name: 'deathDate', label: { zh: '死亡日期', en: 'Date of death' }, type: 'date', source: 'public-security', notInFuture: true },
  ],
};

export const LEGAL_ENTITIES: RegistryDefinition = {
  key: 'legal-entities',
  version: '1',
  name: { zh: '法人单位基础信息库', en: 'Legal entities register' },
  keyAttribute: 'uscc',
  dataSubjectAttribute: 'legalRepIdNumber',
  discrepancyDays: 10,
  attributes: [
    {
      name: 'uscc',
      label: { zh: '统一社会信用代码', en: 'Unified social credit code' },
      type: 'identifier',
      identifierTypes: ['uscc'],
      source: 'market-regulation',
      required: true,
    },
    { name: 'name', label: { zh: '名称', en: 'Name' }, type: 'string', maxLength: 200, source: 'market-regulation', required: true },
    { name: 'entityType', label: { zh: '类型', en: 'Type' }, type: 'code', codeTable: 'entity-type', source: 'market-regulation', required: true },
    {
      name: 'legalRepName',
      label: { zh: '法定代表人', en: 'Legal representative' },
      type: 'string',
      maxLength: 50,
      source: 'market-regulation',
      personal: true,
    },
    {
      name: 'legalRepIdNumber',
      label: { zh: '法定代表人身份号码', en: 'Legal representative identity number' },
      type: 'identifier',
      identifierTypes: CITIZEN,
      source: 'market-regulation',
      personal: true,
      sensitive: true,
    },
    { name: 'registeredCapital', label: { zh: '注册资本（万元）', en: 'Registered capital (10k CNY)' }, type: 'decimal', source: 'market-regulation' },
    { name: 'establishedDate', label: { zh: '成立日期', en: 'Date established' }, type: 'date', source: 'market-regulation', notInFuture: true },
    { name: 'address', label: { zh: '住所', en: 'Address' }, type: 'string', maxLength: 200, source: 'market-regulation' },
    { name: 'division', label: { zh: '住所行政区划', en: 'Division' }, type: 'division', source: 'market-regulation' },
    { name: 'businessScope', label: { zh: '经营范围', en: 'Business scope' }, type: 'string', maxLength: 2000, source: 'market-regulation' },
    { name: 'status', label: { zh: '登记状态', en: 'Status' }, type: 'code', codeTable: 'entity-status', source: 'market-regulation', required: true },
    { name: 'registeringAuthority', label: { zh: '登记机关', en: 'Registering authority' }, type: 'string', maxLength: 100, source: 'market-regulation' },
  ],
};

export const LAND_PARCELS: RegistryDefinition = {
  key: 'land-parcels',
  version: '1',
  name: { zh: '自然资源和空间地理基础信息库（宗地）', en: 'Natural resources & geospatial register (land parcels)' },
  keyAttribute: 'parcelCode',
  dataSubjectAttribute: 'holder',
  holderAttribute: 'holder',
  geometryAttribute: 'geometry',
  discrepancyDays: 10,
  attributes: [
    {
      name: 'parcelCode',
      label: { zh: '宗地代码', en: 'Parcel code' },
      type: 'string',
      pattern: { regex: '^[0-9]{12}[GJZ][A-Z][0-9]{5}$', description: '19 位宗地代码：6 位行政区划 + 6 位地籍区/子区 + 2 位特征码 + 5 位顺序号' },
      source: 'natural-resources',
      required: true,
    },
    { name: 'geometry', label: { zh: '宗地图形', en: 'Geometry (GeoJSON)' }, type: 'geometry', source: 'natural-resources', required: true },
    { name: 'area', label: { zh: '面积（平方米）', en: 'Area (m²)' }, type: 'area', computedFrom: 'geometry', source: 'natural-resources' },
    {
      name: 'landUse',
      label: { zh: '土地用途', en: 'Land use (GB/T 21010)' },
      type: 'code',
      codeTable: 'gb21010-land-use',
      source: 'natural-resources',
      required: true,
    },
    {
      name: 'holder',
      label: { zh: '权利人', en: 'Right holder' },
      type: 'identifier',
      identifierTypes: ['citizen-id', 'uscc'],
      source: 'natural-resources',
      personal: true,
    },
    { name: 'division', label: { zh: '行政区划', en: 'Division' }, type: 'division', source: 'natural-resources', required: true },
    { name: 'address', label: { zh: '坐落', en: 'Location' }, type: 'string', maxLength: 200, source: 'natural-resources' },
  ],
};

export const SHIPPED_REGISTRIES: readonly RegistryDefinition[] = [POPULATION, LEGAL_ENTITIES, LAND_PARCELS];
