import { strict as assert } from 'node:assert';
import { flagWritesOf, FEW_FLAG } from '../../analysis/python/flagged-rows';

describe('flags curators set (analysis/python/flagged-rows.ts)', () => {
  it('names flags that mark a chosen few, not the normal state of a row', () => {
    for (const flag of ['is_featured', 'hit_sales', 'top_agent', 'best_seller', 'is_mvp', 'pinned', 'is_template']) assert.ok(FEW_FLAG.test(flag), flag);
    for (const flag of ['is_published', 'approved', 'is_active', 'verified', 'available', 'is_public']) assert.ok(!FEW_FLAG.test(flag), flag);
  });
  it('reads assignments, write keywords and form fields as writes', () => {
    const text = [
      'def promote(request, pk):',
      '    car = Car.objects.get(pk=pk)',
      '    car.is_featured = True',
      '    Post.objects.create(body="x", pinned=True)',
      'class TopForm(forms.ModelForm):',
      '    class Meta:',
      '        model = Agent',
      '        fields = ["name", "top_agent"]',
      'class AllForm(forms.ModelForm):',
      '    """Every field, with a blank line before Meta."""',
      '',
      '    class Meta:',
      '        model = Product',
      '        fields = "__all__"',
      '',
    ].join('\n');
    const writes = flagWritesOf(text);
    assert.deepEqual(writes.flags.sort(), ['is_featured', 'pinned', 'top_agent']);
    assert.deepEqual(writes.wholeModels, ['Product']);
  });
  it('does not read filters, model fields, read-only serializer fields, messages or superuser setup as writes', () => {
    const text = [
      'class Car(models.Model):',
      '    is_featured = models.BooleanField(default=False)',
      'class UserSerializer(serializers.ModelSerializer):',
      '    is_staff = serializers.BooleanField(read_only=True)',
      '    class Meta:',
      '        model = User',
      '        fields = ["email", "is_superuser"]',
      '        extra_kwargs = {"is_superuser": {"read_only": True}}',
      'class UserManager(BaseUserManager):',
      '    def create_superuser(self, email, password):',
      '        if not password:',
      '            raise ValueError("Superuser must have is_staff=True.")',
      '        return self.create_user(email, password, is_staff=True, is_superuser=True)',
      'def home(request):',
      '    return Car.objects.filter(',
      '        is_featured=True,',
      '    )',
      '',
    ].join('\n');
    assert.deepEqual(flagWritesOf(text), { flags: [], wholeModels: [] });
  });
});
