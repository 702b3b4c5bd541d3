using System.Numerics.Tensors;

namespace Nabla.Tensors;

/// <summary>
/// How backward rules add into gradients that are not simply "the same shape, contiguous".
/// The one idea: to send a gradient back through a view (transpose, slice, expand, broadcast...),
/// apply the same view to the input's gradient buffer and add into that view. A broadcast input's
/// gradient, viewed with stride 0 along the broadcast dimensions, receives the sum over them.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>destination += source, elementwise over equal shapes. <paramref name="destination"/> may be
    /// any float view, including one with zero strides (its elements then receive sums).</summary>
    internal static void AddInto(Tensor destination, Tensor source)
    {
        if (destination.IsContiguous && source.IsContiguous)
        {
            Span<float> d = destination.Span;
            TensorPrimitives.Add(d, source.Span, d);
            return;
        }
        var rows = new StridedRows(destination.shape, [destination.strides, source.strides], [destination.offset, source.offset]);
        int n = rows.RowLength, ds = rows.InnerStrides[0], ss = rows.InnerStrides[1];
        float[] dst = destination.data, src = source.data;
        for (int r = 0; r < rows.RowCount; r++)
        {
            int od = rows.Offsets[0], os = rows.Offsets[1];
            if (ds == 1 && ss == 1)
            {
                Span<float> d = dst.AsSpan(od, n);
                TensorPrimitives.Add(d, src.AsSpan(os, n), d);
            }
            else if (ds == 1 && ss == 0)
            {
                Span<float> d = dst.AsSpan(od, n);
                TensorPrimitives.Add(d, src[os], d);
            }
            else if (ds == 0 && ss == 1)
            {
                dst[od] += TensorPrimitives.Sum<float>(src.AsSpan(os, n));
            }
            else
            {
                for (int i = 0; i < n; i++) dst[od + i * ds] += src[os + i * ss];
            }
            rows.Advance();
        }
    }

    /// <summary>
    /// input.grad += contribution, where <paramref name="contribution"/> has the (broadcast) shape of
    /// the output: dimensions along which the input was broadcast are summed away.
    /// </summary>
    internal static void AddToGrad(Tensor input, Tensor contribution)
    {
        input.GradSpan();
        Tensor grad = input.Grad!;
        if (!Shapes.SameShape(input.shape, contribution.shape))
            grad = grad.WithLayout(ShapeOf(contribution.shape),
                Shapes.BroadcastStrides(grad.shape, grad.strides, contribution.shape), grad.offset);
        AddInto(grad, contribution);
    }

    /// <summary>input.grad += dy read through the view that <paramref name="sameView"/> makes of the gradient buffer.</summary>
    internal static void AddToGradThroughView(Tensor input, Tensor dy, Func<Tensor, Tensor> sameView)
    {
        input.GradSpan();
        AddInto(sameView(input.Grad!), dy);
    }

    /// <summary>A contiguous float32 tensor over a pooled buffer, for scratch space inside backward rules.
    /// Give it back with <see cref="ReturnScratch"/>.</summary>
    internal static Tensor RentScratch(int[] shape) => new(BufferPool.Rent(Shapes.Count(shape)), shape);

    internal static void ReturnScratch(Tensor scratch) => BufferPool.Return(scratch.data);
}
