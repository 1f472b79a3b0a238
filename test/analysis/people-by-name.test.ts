import assert from 'node:assert/strict';
import { peopleByName } from '../../analysis/people-by-name';

describe('people-by-name: tables of people by their name', () => {
  it('reads a name by its head noun, in every spelling', () => {
    for (const name of ['Patient', 'patients', 'PetOwner', 'pet_owners', 'EmployeeProfile', 'ClienteModel', 'Customer', 'Students', 'models.Participant', 'CustomUser']) {
      assert.ok(peopleByName(name), name);
    }
  });

  it('reads the people a business serves as they come: guests, guardians, passengers, visitors', () => {
    for (const name of ['Guest', 'HotelGuest', 'guests', 'Guardian', 'StudentGuardian', 'Passenger', 'SiteVisitor']) {
      assert.ok(peopleByName(name), name);
    }
    for (const name of ['GuestBookEntry', 'GuardianLink', 'PassengerSeat', 'VisitorCount']) {
      assert.ok(!peopleByName(name), name);
    }
  });

  it('does not read a table about people as one of people', () => {
    for (const name of ['UserRole', 'CustomerGroup', 'PatientVisit', 'StudentGrade', 'Species', 'Category', 'Address', 'Status']) {
      assert.ok(!peopleByName(name), name);
    }
  });
});
