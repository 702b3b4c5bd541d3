using Nabla.Tensors;

namespace Nabla.Tests.Tensors;

/// <summary>Errors name the operation and the shapes, or the index and its bound.</summary>
public class ErrorTests
{
    [Fact]
    public void MatMulNamesBothShapesAndTheInnerDimensions()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.Zeros(4, 3).MatMul(Tensor.Zeros(5, 2)));
        Assert.Equal("MatMul: [4,3] @ [5,2]: inner dimensions 3 and 5 differ", error.Message);
        var batch = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 4, 3).MatMul(Tensor.Zeros(3, 3, 2)));
        Assert.Contains("[2,4,3] @ [3,3,2]", batch.Message);
    }

    [Fact]
    public void BroadcastingNamesTheOperationAndBothShapes()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.Zeros(3, 4) + Tensor.Zeros(5));
        Assert.StartsWith("Add: shapes [3,4] and [5] cannot broadcast", error.Message);
        Assert.StartsWith("Mul:", Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3) * Tensor.Zeros(3, 2)).Message);
        Assert.StartsWith("Maximum:", Assert.Throws<ArgumentException>(() => Tensor.Maximum(Tensor.Zeros(2), Tensor.Zeros(3))).Message);
    }

    [Fact]
    public void OutOfRangeIndicesNameTheIndexAndTheBound()
    {
        Tensor x = Tensor.Zeros(3, 4);
        var select = Assert.Throws<IndexOutOfRangeException>(() => x.Select(1, 4));
        Assert.Equal("Select: index 4 is out of range for dimension 1 of size 4", select.Message);
        var get = Assert.Throws<IndexOutOfRangeException>(() => x.Get(3, 0));
        Assert.Equal("Get: index 3 is out of range for dimension 0 of size 3", get.Message);
        var dim = Assert.Throws<ArgumentOutOfRangeException>(() => x.Sum(2));
        Assert.Contains("Sum: dimension 2 is out of range for a tensor of rank 2", dim.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Narrow(1, 2, 3));
    }

    [Fact]
    public void ShapeMismatchesInJoinsAndReshapes()
    {
        var concat = Assert.Throws<ArgumentException>(() => Tensor.Concat([Tensor.Zeros(2, 3), Tensor.Zeros(3, 3)], 1));
        Assert.Contains("Concat: tensor 1 has shape [3,3]", concat.Message);
        var stack = Assert.Throws<ArgumentException>(() => Tensor.Stack([Tensor.Zeros(2), Tensor.Zeros(3)]));
        Assert.Contains("Stack", stack.Message);
        var reshape = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).Reshape(4, 2));
        Assert.Equal("Reshape: cannot reshape [2,3] (6 elements) into [4,2]", reshape.Message);
        var mask = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).MaskedFill(Tensor.Zeros(3, 3), 1f));
        Assert.Contains("MaskedFill", mask.Message);
    }

    [Fact]
    public void ImpossibleShapesAreRejectedNamingTheOperation()
    {
        Assert.Equal("Zeros: shape [-1,2] has a negative size", Assert.Throws<ArgumentException>(() => Tensor.Zeros(-1, 2)).Message);
        var huge = Assert.Throws<ArgumentException>(() => Tensor.Randn([100_000, 100_000], new Generator(1)));
        Assert.StartsWith($"Randn: shape [100000,100000] has more than {Array.MaxLength} elements", huge.Message);
        // A product of many dimensions that would overflow even a long is still caught.
        Assert.StartsWith("Ones:", Assert.Throws<ArgumentException>(() => Tensor.Ones(65536, 65536, 65536, 65536, 65536)).Message);
        // A view may not describe more elements either (this product wrapped to a count of 0 once).
        Assert.StartsWith("Expand:", Assert.Throws<ArgumentException>(() => Tensor.Ones(1, 1, 1, 1, 1).Expand(65536, 65536, 65536, 65536, 65536)).Message);
    }
}
