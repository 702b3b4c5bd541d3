using Nabla.Tensors;

namespace Nabla.Tests.Tensors;

public class CreationTests
{
    [Fact]
    public void ConstantsHaveTheirShapeAndValues()
    {
        Assert.Equal(new float[6], Tensor.Zeros(2, 3).ToArray());
        Assert.All(Tensor.Ones(4).ToArray(), v => Assert.Equal(1f, v));
        Assert.All(Tensor.Full(2.5f, 2, 2).ToArray(), v => Assert.Equal(2.5f, v));
        Assert.Equal([2, 3], Tensor.Zeros(2, 3).Shape.ToArray());
        Assert.Equal(0, Tensor.Scalar(3f).Rank);
        Assert.Equal(3f, Tensor.Scalar(3f).Item());
    }

    [Fact]
    public void RangesMatchPyTorch()
    {
        Assert.Equal([0f, 1, 2, 3, 4], Tensor.Arange(5).ToArray());
        Assert.Equal([1f, 1.5f, 2f, 2.5f], Tensor.Arange(1f, 3f, 0.5f).ToArray());
        Assert.Equal([0f, 0.25f, 0.5f, 0.75f, 1f], Tensor.Linspace(0f, 1f, 5).ToArray());
        Assert.Equal([0, 1, 2], Tensor.ArangeInt(3).ToIntArray());
        Assert.Equal(DType.Int32, Tensor.ArangeInt(3).DType);
    }

    [Fact]
    public void FromArrayCopiesAndChecksTheCount()
    {
        float[] values = [1, 2, 3, 4, 5, 6];
        Tensor t = Tensor.FromArray(values, 2, 3);
        values[0] = 100;
        Assert.Equal(1f, t.Get(0, 0));
        Assert.Equal(6f, t.Get(1, 2));
        Assert.Equal(6f, t.Get(-1, -1));
        var error = Assert.Throws<ArgumentException>(() => Tensor.FromArray(values, 4, 2));
        Assert.Contains("[4,2]", error.Message);
        Assert.Equal(4f, Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 } }).Get(1, 1));
    }

    [Fact]
    public void RandomDrawsAreSeededAndHaveTheRightDistribution()
    {
        float[] a = Tensor.Randn([1000], new Generator(42)).ToArray();
        float[] b = Tensor.Randn([1000], new Generator(42)).ToArray();
        float[] c = Tensor.Randn([1000], new Generator(43)).ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        float[] big = Tensor.Randn([100_000], new Generator(1)).ToArray();
        double mean = big.Average(), variance = big.Select(v => (v - mean) * (v - mean)).Average();
        Assert.InRange(mean, -0.02, 0.02);       // standard error 0.003
        Assert.InRange(variance, 0.97, 1.03);    // standard error ≈ 0.0045
        float[] u = Tensor.Rand([100_000], new Generator(2)).ToArray();
        Assert.All(u, v => Assert.InRange(v, 0f, 0.99999995f));
        Assert.InRange(u.Average(), 0.49, 0.51);
        int[] k = Tensor.RandInt(-2, 3, [10_000], new Generator(3)).ToIntArray();
        Assert.All(k, v => Assert.InRange(v, -2, 2));
        for (int v = -2; v <= 2; v++) Assert.InRange(k.Count(x => x == v), 1800, 2200);
    }

    [Fact]
    public void ConversionsBetweenDTypes()
    {
        Tensor f = Tensor.FromArray([1.7f, -1.7f, 3f]);
        Assert.Equal([1, -1, 3], f.ToInt32().ToIntArray());
        Assert.Equal([1f, -1f, 3f], f.ToInt32().ToFloat32().ToArray());
        var error = Assert.Throws<ArgumentException>(() => Tensor.ArangeInt(3) + Tensor.Ones(3));
        Assert.Contains("int32", error.Message);
    }
}
