using System.Numerics.Tensors;

namespace Nabla.Tensors;

/// <summary>
/// How backward rules add into gradients. One verb, "accumulate", for every +=. The one idea: to send a
/// gradient back through a view (transpose, slice, expand, broadcast...), apply the same view to the
/// input's gradient buffer and accumulate into that view. A broadcast input's gradient, viewed with
/// stride 0 along the broadcast dimensions, receives the sum over them.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>destination += source, elementwise over equal shapes. <paramref name="destination"/> may be
    /// any float view, including one with zero strides (its elements then receive sums).</summary>
    internal static void AccumulateInto(Tensor destination, Tensor source) =>
        StridedRows.ForEach(new AccumulateRows(destination.data, source.data), destination, source);

    private readonly struct AccumulateRows(float[] destination, float[] source) : IRowAction
    {
        public void Row(int n, ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides)
        {
            int od = offsets[0], os = offsets[1], ds = strides[0], ss = strides[1];
            if (ds == 1 && ss == 1)
            {
                Span<float> d = destination.AsSpan(od, n);
                TensorPrimitives.Add(d, source.AsSpan(os, n), d);
            }
            else if (ds == 1 && ss == 0)
            {
                Span<float> d = destination.AsSpan(od, n);
                TensorPrimitives.Add(d, source[os], d);
            }
            else if (ds == 0 && ss == 1) destination[od] += TensorPrimitives.Sum<float>(source.AsSpan(os, n));
            else for (int i = 0; i < n; i++) destination[od + i * ds] += source[os + i * ss];
        }
    }

    /// <summary>
    /// input.grad += contribution, where <paramref name="contribution"/> has the (broadcast) shape of
    /// the output: dimensions along which the input was broadcast are summed away.
    /// </summary>
    internal static void AccumulateGrad(Tensor input, Tensor contribution)
    {
        Tensor grad = input.EnsureGrad();
        if (!Shapes.SameShape(input.shape, contribution.shape))
            grad = grad.WithLayout(ShapeOf(contribution.shape),
                Shapes.BroadcastStrides(grad.shape, grad.strides, contribution.shape), grad.offset);
        AccumulateInto(grad, contribution);
    }

    /// <summary>input.grad += dy read through the view that <paramref name="sameView"/> makes of the gradient buffer.</summary>
    internal static void AccumulateGradThroughView(Tensor input, Tensor dy, Func<Tensor, Tensor> sameView) =>
        AccumulateInto(sameView(input.EnsureGrad()), dy);

    /// <summary>
    /// input.grad += dy for <paramref name="output"/> = a reshape of contiguous <paramref name="input"/>, where
    /// every element keeps its place in storage: see <see cref="TryHandOnGrad"/>.
    /// </summary>
    internal static void PassGradThroughReshape(Tensor input, Tensor output, Tensor dy, Func<Tensor, Tensor> sameView)
    {
        if (!TryHandOnGrad(input, output, dy)) AccumulateGradThroughView(input, dy, sameView);
    }

    /// <summary>
    /// input.grad = dy without a copy, when dy is exactly what the input's gradient must receive, element for
    /// element, and nothing has reached that gradient yet: the output's gradient buffer becomes the input's
    /// (reshaped), and goes back to the pool once the input's own rule has used it. Nothing is zeroed, added
    /// or copied. The usual cases: a Linear layer's input flattened to rows and its output shaped back, and
    /// the branch of a residual add. False (nothing done) when the buffer cannot be handed on; the caller
    /// then accumulates. The last use of dy in a rule.
    /// </summary>
    internal static bool TryHandOnGrad(Tensor input, Tensor output, Tensor dy)
    {
        if (input.Grad is not null || input.node is null || output.retainsGrad || !output.gradIsPooled
            || !ReferenceEquals(output.Grad, dy) || dy.offset != 0 || dy.data.Length != input.Count || !dy.IsContiguous)
            return false;
        input.Grad = new Tensor(dy.data, ShapeOf(input.shape));
        input.gradIsPooled = true;
        output.Grad = null;          // handed on: backward must not return it to the pool
        output.gradIsPooled = false;
        return true;
    }

    /// <summary>
    /// The gradient buffer of <paramref name="t"/> for a kernel that can write it or add into it, and the
    /// GEMM β that says which: 0 (write, without reading) when no gradient has reached it yet, so the
    /// buffer need not be zeroed first; 1 (add) otherwise.
    /// </summary>
    internal (Tensor Grad, float Beta) GradForOverwrite()
    {
        MakeGradRowMajor();
        if (Grad is not null) return (Grad, 1f);
        bool pooled = node is not null;
        Grad = new Tensor(pooled ? BufferPool.Rent(Count) : new float[Count], ShapeOf(shape));
        gradIsPooled = pooled;
        return (Grad, 0f);
    }

    /// <summary>A contiguous float32 tensor over a pooled buffer, for scratch space inside backward rules.
    /// Give it back with <see cref="ReturnScratch"/>.</summary>
    internal static Tensor RentScratch(int[] shape) => new(BufferPool.Rent(Shapes.Count(shape)), shape);

    internal static void ReturnScratch(Tensor scratch) => BufferPool.Return(scratch.data);
}
