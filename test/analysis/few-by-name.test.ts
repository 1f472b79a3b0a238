import assert from 'node:assert/strict';
import { fewByName, fewTableWord } from '../../analysis/few-by-name';

describe('few-by-name: tables few by their name', () => {
  it('reads a name by its head noun, in every spelling', () => {
    for (const name of ['Banner', 'banners', 'ServiceCategory', 'service_categories', 'serviceCategory', 'prisma.serviceCategory', 'BannerModel', 'ToppingRepository', 'Clinic', 'Doctor', 'Genre', 'genres']) {
      assert.ok(fewByName(name), name);
    }
  });

  it('reads the heads that need the word before them as pairs', () => {
    assert.equal(fewTableWord('PaymentMethod'), 'payment method');
    assert.equal(fewTableWord('payment_methods'), 'payment method');
    assert.equal(fewTableWord('SessionYearModel'), 'session year');
    assert.equal(fewTableWord('SubscriptionPlan'), 'subscription plan');
    assert.equal(fewTableWord('social_links'), 'sociallink');
    assert.ok(!fewByName('Method'));
    assert.ok(!fewByName('Plan'));
    assert.ok(!fewByName('MealPlan'));
  });

  it('does not take what users or their activity produce', () => {
    for (const name of ['Product', 'CategoryProduct', 'Post', 'CategorySubscription', 'Order', 'Comment', 'Booking', 'Payment', 'User', 'Patient', 'Student', 'DoctorReview', 'ClinicAppointment', 'Staff', 'Course', 'City', 'Sponsor']) {
      assert.ok(!fewByName(name), name);
    }
  });
});
