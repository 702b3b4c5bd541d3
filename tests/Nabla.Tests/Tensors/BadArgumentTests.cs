using Nabla.Tensors;

namespace Nabla.Tests.Tensors;

/// <summary>
/// Arguments that .NET itself would reject with a bare exception (an overflow, an array too large, a
/// negative array size, a released buffer read by an internal accessor) are caught first by the public
/// operation, whose error names it, the bad value and why.
/// </summary>
public class BadArgumentTests
{
    private static readonly string Most = Array.MaxLength.ToString();

    [Fact]
    public void OneHotNamesANegativeIndexAndTooManyClasses()
    {
        var negative = Assert.Throws<IndexOutOfRangeException>(() => Tensor.OneHot(Tensor.FromArray([2, -1, 0])));
        Assert.Equal("OneHot: index -1 at position 1 is negative; class indices count from 0", negative.Message);
        var tooLarge = Assert.Throws<IndexOutOfRangeException>(() => Tensor.OneHot(Tensor.FromArray([2, 5]), numClasses: 4));
        Assert.Equal("OneHot: index 5 at position 1 is out of range for 4 classes (valid: 0..3)", tooLarge.Message);
        var huge = Assert.Throws<ArgumentException>(() => Tensor.OneHot(Tensor.FromArray([0, 1, 2]), numClasses: 1_000_000_000));
        Assert.StartsWith("OneHot: shape [3,1000000000] has more than " + Most + " elements", huge.Message);
        var inferred = Assert.Throws<ArgumentException>(() => Tensor.OneHot(Tensor.FromArray([int.MaxValue, 1])));
        Assert.StartsWith("OneHot: the encoding of 2 indices in 2147483648 classes has 4294967296 elements", inferred.Message);
        Assert.Contains("numClasses -2", Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.OneHot(Tensor.FromArray([0]), -2)).Message);
    }

    [Fact]
    public void RangesTooLongOrNotFiniteNameTheRange()
    {
        var huge = Assert.Throws<ArgumentException>(() => Tensor.Arange(0f, 1e10f));
        Assert.Equal($"Arange: [0, 1E+10) in steps of 1 has 10000000000 elements; one tensor holds at most {Most}", huge.Message);
        var infinite = Assert.Throws<ArgumentException>(() => Tensor.Arange(0f, float.PositiveInfinity));
        Assert.StartsWith($"Arange: start 0, end {float.PositiveInfinity} and step 1 must be finite", infinite.Message);
        Assert.StartsWith("Arange:", Assert.Throws<ArgumentException>(() => Tensor.Arange(float.NaN, 1f)).Message);
        Assert.StartsWith("Arange:", Assert.Throws<ArgumentException>(() => Tensor.Arange(0f, 1f, 0f)).Message);
        Assert.StartsWith($"ArangeInt: shape [{int.MaxValue}] has more than {Most}", Assert.Throws<ArgumentException>(() => Tensor.ArangeInt(int.MaxValue)).Message);
        Assert.StartsWith($"Linspace: shape [{int.MaxValue}] has more than {Most}", Assert.Throws<ArgumentException>(() => Tensor.Linspace(0, 1, int.MaxValue)).Message);
    }

    [Fact]
    public void ShapesBeyondTheLargestArrayNameTheCreationFunction()
    {
        var zeros = Assert.Throws<ArgumentException>(() => Tensor.Zeros(int.MaxValue));
        Assert.Equal($"Zeros: shape [{int.MaxValue}] has more than {Most} elements, the most one tensor can hold", zeros.Message);
        Assert.StartsWith("ZerosInt:", Assert.Throws<ArgumentException>(() => Tensor.ZerosInt(int.MaxValue)).Message);
        Assert.StartsWith("Full:", Assert.Throws<ArgumentException>(() => Tensor.Full(1f, int.MaxValue)).Message);
    }

    [Fact]
    public void OutputsTooLargeNameTheOperationThatWouldMakeThem()
    {
        Tensor column = Tensor.Zeros(65536, 1), row = Tensor.Zeros(1, 65536);
        Assert.StartsWith("Add: shape [65536,65536] has more than", Assert.Throws<ArgumentException>(() => column + row).Message);
        Assert.StartsWith("MatMul: shape [65536,65536] has more than", Assert.Throws<ArgumentException>(() => column.MatMul(row)).Message);
        Tensor wide = Tensor.Zeros(1, 1).Expand(1, int.MaxValue / 2 + 1);
        Assert.StartsWith("Concat: dimension 1 of the result has 2147483648 elements", Assert.Throws<ArgumentException>(() => Tensor.Concat([wide, wide], 1)).Message);
        Assert.StartsWith("Reshape: shape [65536,65536] has more than", Assert.Throws<ArgumentException>(() => Tensor.Zeros(4).Reshape(65536, 65536)).Message);
        Assert.StartsWith("Multinomial:", Assert.Throws<ArgumentException>(() =>
            Tensor.Multinomial(Tensor.Ones(65536, 2), 65536, replacement: true, new Generator(1))).Message);
    }

    [Fact]
    public void BoundsThatWouldOverflowAreRejectedOrClipped()
    {
        Tensor x = Tensor.Arange(10);
        var narrow = Assert.Throws<ArgumentOutOfRangeException>(() => x.Narrow(0, 1, int.MaxValue));
        Assert.Contains($"Narrow: range [1, ", narrow.Message);
        Assert.Equal([0f], x.Slice(0, 0, 10, int.MaxValue).ToArray());
        var split = Assert.Throws<ArgumentException>(() => x.Split([int.MaxValue, int.MaxValue, 2]));
        Assert.StartsWith("Split: sizes", split.Message);
    }

    [Fact]
    public void BackwardNamesTheOpWhoseStorageAScopeReleased()
    {
        Tensor w = Tensor.Ones(3).RequireGrad();
        Tensor loss;
        using (var scope = new TensorScope())
            loss = scope.Keep((w * 2f).Tanh().Sum());
        var error = Assert.Throws<ObjectDisposedException>(() => loss.Backward());
        Assert.StartsWith("Backward: the graph reaches the output [3] of Tanh, which was computed inside a TensorScope that has ended", error.Message);
        Assert.DoesNotContain("Span", error.Message);

        // Only the loss and the logits are kept: the probabilities cross-entropy saved for backward are not.
        Tensor logits = Tensor.Ones(2, 3).RequireGrad();
        using (var scope = new TensorScope())
            loss = scope.Keep(logits.CrossEntropy(Tensor.FromArray([0, 2])));
        var saved = Assert.Throws<ObjectDisposedException>(() => loss.Backward());
        Assert.StartsWith("Backward: the backward rule of CrossEntropy needs a tensor it saved in forward", saved.Message);
    }
}
