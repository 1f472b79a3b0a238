/**
 * staff-rosters.ts: a business's staff (employment fields, rows only curators add) against people and records that grow.
 */
import * as assert from 'node:assert/strict';
import { ModelIndex, modelClassesIn } from '../../analysis/python/django-models';
import { rosterShaped, staffRoster } from '../../analysis/python/staff-rosters';
import type { ProjectInfo } from '../../rules/api';
import { parsePython } from '../../server/src/engine/parsers';
import { initParsers } from '../support/analyze';

const MODELS = `from django.db import models
from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    pass


class Doctor(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE)
    specialization = models.CharField(max_length=100)


class Realtor(models.Model):
    name = models.CharField(max_length=100)
    hire_date = models.DateField()


class Subject(models.Model):
    title = models.CharField(max_length=100)


class Teacher(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE)
    specialty = models.ForeignKey(Subject, on_delete=models.CASCADE)


class Payslip(models.Model):
    employee = models.ForeignKey(User, on_delete=models.CASCADE)
    salary = models.DecimalField(max_digits=8, decimal_places=2)


class Student(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE)
    grade = models.CharField(max_length=10)
`;

function roster(files: Record<string, string>, name: string): boolean {
  const all: Record<string, string> = { 'clinic/models.py': MODELS, ...files };
  const project = { files: () => Object.keys(all), readFile: (rel: string) => all[rel] } as unknown as ProjectInfo;
  const models = new ModelIndex(modelClassesIn(parsePython(MODELS)));
  return staffRoster(project, { relPath: 'clinic/models.py', text: MODELS }, models, name);
}

describe('staff-rosters', () => {
  before(async () => {
    await initParsers();
  });

  it('reads the shape from employment columns, not relations or a bare profile', () => {
    const models = new ModelIndex(modelClassesIn(parsePython(MODELS)));
    assert.equal(rosterShaped(models, 'Doctor'), true);
    assert.equal(rosterShaped(models, 'Realtor'), true);
    assert.equal(rosterShaped(models, 'Teacher'), false, 'specialty is a key to a subject');
    assert.equal(rosterShaped(models, 'Student'), false, 'a profile alone');
    assert.equal(rosterShaped(models, 'User'), false);
  });

  it('is a roster only when curators alone add its rows', () => {
    const admin = 'from django.contrib import admin\nadmin.site.register(Doctor)\nadmin.site.register(Realtor)\nadmin.site.register(Payslip)\n';
    assert.equal(roster({ 'clinic/admin.py': admin }, 'Doctor'), true);
    assert.equal(roster({ 'clinic/admin.py': admin, 'clinic/management/commands/hire.py': 'def handle(self, *a):\n    Realtor.objects.create(name="x")\n' }, 'Realtor'), true);
    assert.equal(roster({}, 'Doctor'), false, 'no writer known');
    assert.equal(roster({ 'clinic/admin.py': admin, 'clinic/views.py': 'def join(request):\n    Doctor.objects.create(user=request.user, specialization="x")\n' }, 'Doctor'), false, 'any signed-in user adds one');
    assert.equal(roster({ 'clinic/admin.py': admin, 'clinic/signals.py': '@receiver(post_save, sender=User)\ndef made(sender, instance, **kw):\n    Doctor.objects.create(user=instance)\n' }, 'Doctor'), false, 'every account gets one');
    assert.equal(roster({ 'clinic/admin.py': admin }, 'Payslip'), false, "a user's records");
  });
});
