using Nabla.Tensors;
using Nabla.Tests.Tensors.Support;
using TorchSharp;
using TT = TorchSharp.torch.Tensor;

namespace Nabla.Tests.Tensors;

/// <summary>
/// Seeded random layouts against libtorch: random ranks and sizes, random broadcasting (size-1 and
/// missing leading dimensions), inputs that are permuted or strided views of their leaves, and
/// reductions over random sets of dimensions. This is what exercises the dimension merging of
/// StridedRows and the broadcast-reducing gradients on layouts nobody thought to write down.
/// </summary>
public class RandomLayoutTests
{
    private sealed record Layout(int[] LeafShape, int[] Permutation, int Step);

    /// <summary>A leaf shape, and how to view it: a permutation and a step along dimension 0.</summary>
    private static Layout RandomView(Generator g, int[] viewShape)
    {
        int rank = viewShape.Length;
        int[] permutation = Enumerable.Range(0, rank).ToArray();
        for (int i = rank - 1; i > 0; i--)
        {
            int j = g.NextInt(0, i + 1);
            (permutation[i], permutation[j]) = (permutation[j], permutation[i]);
        }
        int step = rank > 0 && g.NextInt(0, 3) == 0 ? 2 : 1;
        // The leaf has the view's sizes in permuted order; dimension 0 of the view is stretched by the step.
        var leaf = new int[rank];
        for (int d = 0; d < rank; d++) leaf[permutation[d]] = viewShape[d];
        if (rank > 0) leaf[permutation[0]] = viewShape[0] * step;
        return new Layout(leaf, permutation, step);
    }

    private static Tensor ApplyView(Tensor leaf, Layout layout)
    {
        if (layout.Permutation.Length == 0) return leaf;
        Tensor v = leaf.Permute(layout.Permutation);
        return layout.Step > 1 ? v.Slice(0, step: layout.Step) : v;
    }

    private static TT ApplyView(TT leaf, Layout layout)
    {
        if (layout.Permutation.Length == 0) return leaf;
        TT v = leaf.permute(layout.Permutation.Select(p => (long)p).ToArray());
        return layout.Step > 1 ? v.slice(0, 0, v.shape[0], layout.Step) : v;
    }

    private static int[] BroadcastPartner(Generator g, int[] shape)
    {
        int drop = g.NextInt(0, shape.Length + 1) / 2; // sometimes fewer leading dimensions
        return shape.Skip(drop).Select(s => g.NextInt(0, 3) == 0 ? 1 : s).ToArray();
    }

    [Fact]
    public void BinaryOperationsOnRandomBroadcastViews()
    {
        var g = new Generator(31337);
        for (int trial = 0; trial < 40; trial++)
        {
            int rank = g.NextInt(0, 5);
            int[] shapeA = Enumerable.Range(0, rank).Select(_ => g.NextInt(1, 5)).ToArray();
            int[] shapeB = BroadcastPartner(g, shapeA);
            if (g.NextInt(0, 2) == 0) (shapeA, shapeB) = (shapeB, shapeA);
            Layout la = RandomView(g, shapeA), lb = RandomView(g, shapeB);
            Tensor a = Tensor.Randn(la.LeafShape, g).RequireGrad();
            Tensor b = (Tensor.Rand(lb.LeafShape, g) + 0.5f).Detach().RequireGrad(); // a safe denominator
            int op = trial % 4;
            string what = $"trial {trial}: op {op}, {GradCheck.Shape(a)} viewed as [{string.Join(",", shapeA)}], {GradCheck.Shape(b)} as [{string.Join(",", shapeB)}]";
            try
            {
                TorchParity.Check(
                    x =>
                    {
                        Tensor u = ApplyView(x[0], la), v = ApplyView(x[1], lb);
                        return op switch { 0 => u + v * 2f, 1 => u * v - v, 2 => u / v, _ => Tensor.Maximum(u, v).Tanh() };
                    },
                    x =>
                    {
                        TT u = ApplyView(x[0], la), v = ApplyView(x[1], lb);
                        return op switch { 0 => u + v * 2f, 1 => u * v - v, 2 => u / v, _ => torch.maximum(u, v).tanh() };
                    },
                    a, b);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new Xunit.Sdk.XunitException($"{what}: {e.Message}");
            }
        }
    }

    [Fact]
    public void ReductionsOverRandomDimensionsOfRandomViews()
    {
        var g = new Generator(4242);
        for (int trial = 0; trial < 40; trial++)
        {
            int rank = g.NextInt(1, 5);
            int[] shape = Enumerable.Range(0, rank).Select(_ => g.NextInt(1, 5)).ToArray();
            Layout layout = RandomView(g, shape);
            int[] dims = Enumerable.Range(0, rank).Where(_ => g.NextInt(0, 2) == 0).ToArray();
            if (dims.Length == 0) dims = [g.NextInt(0, rank)];
            bool keep = g.NextInt(0, 2) == 0;
            int op = trial % 3;
            Tensor x = Tensor.Randn(layout.LeafShape, g).RequireGrad();
            long[] tdims = dims.Select(d => (long)d).ToArray();
            string what = $"trial {trial}: op {op}, view [{string.Join(",", shape)}] of {GradCheck.Shape(x)}, dims [{string.Join(",", dims)}], keepdim {keep}";
            try
            {
                TorchParity.Check(
                    t => op switch
                    {
                        0 => ApplyView(t[0], layout).Sum(dims, keep),
                        1 => ApplyView(t[0], layout).Mean(dims, keep),
                        _ => ApplyView(t[0], layout).Max(dims, keep),
                    },
                    t => op switch
                    {
                        0 => ApplyView(t[0], layout).sum(tdims, keep),
                        1 => ApplyView(t[0], layout).mean(tdims, keep),
                        _ => ApplyView(t[0], layout).amax(tdims, keep),
                    },
                    x);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new Xunit.Sdk.XunitException($"{what}: {e.Message}");
            }
        }
    }
}
