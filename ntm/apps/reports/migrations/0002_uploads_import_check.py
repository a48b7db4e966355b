from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='importbatch',
            name='size',
            field=models.PositiveBigIntegerField(default=0, verbose_name='dung lượng tệp (byte)'),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='plan',
            field=models.JSONField(blank=True, default=dict, verbose_name='kết quả kiểm tra'),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='checked_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='kiểm tra lúc'),
        ),
        migrations.AlterField(
            model_name='importbatch',
            name='status',
            field=models.CharField(choices=[('pending', 'chờ xác nhận'), ('done', 'đã ghi'), ('failed', 'lỗi'), ('cancelled', 'đã hủy'), ('expired', 'đã hết hạn')], default='pending', max_length=10, verbose_name='trạng thái'),
        ),
    ]
