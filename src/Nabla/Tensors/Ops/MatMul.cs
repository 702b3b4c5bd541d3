using Nabla.Kernels;

namespace Nabla.Tensors;

/// <summary>
/// Matrix products with numpy/PyTorch semantics: 1-D·1-D is a dot product, a 1-D operand is a row
/// (left) or column (right) vector that disappears from the result, and N-D operands are stacks of
/// matrices whose batch dimensions broadcast. Every product is one call to <see cref="Gemm"/>:
/// transposed views are handed over as transposed operands (no copy), and backward accumulates
/// straight into the gradients with β = 1:  dA += dC·Bᵀ,  dB += Aᵀ·dC.
/// </summary>
public sealed partial class Tensor
{
    public Tensor MatMul(Tensor other)
    {
        Tensor a = this, b = other;
        a.RequireFloat("MatMul");
        b.RequireFloat("MatMul");
        if (a.Rank == 0 || b.Rank == 0)
            throw new ArgumentException($"MatMul: {Shapes.Format(a.shape)} @ {Shapes.Format(b.shape)}: both operands need at least one dimension");
        int k = a.shape[^1], kb = b.Rank == 1 ? b.shape[0] : b.shape[^2];
        if (k != kb)
            throw new ArgumentException($"MatMul: {Shapes.Format(a.shape)} @ {Shapes.Format(b.shape)}: inner dimensions {k} and {kb} differ");

        if (a.Rank == 1 && b.Rank == 1) return a.Unsqueeze(0).MatMul(b.Unsqueeze(1)).Reshape();
        if (a.Rank == 1) return a.Unsqueeze(0).MatMul(b).Squeeze(-2);
        if (b.Rank == 1) return a.MatMul(b.Unsqueeze(1)).Squeeze(-1);
        if (a.Rank > 2 && b.Rank == 2)
        {
            // [..., m, k] @ [k, n]: the batch folds into m, making one large product (a Linear layer).
            int[] outShape = [.. a.shape[..^1], b.shape[1]];
            return a.Reshape(-1, k).MatMul(b).Reshape(outShape);
        }
        return BatchedMatMul(a, b);
    }

    private static Tensor BatchedMatMul(Tensor a, Tensor b)
    {
        int m = a.shape[^2], k = a.shape[^1], n = b.shape[^1];
        int[] batch;
        try { batch = Shapes.Broadcast(a.shape[..^2], b.shape[..^2], "MatMul"); }
        catch (ArgumentException)
        {
            throw new ArgumentException($"MatMul: {Shapes.Format(a.shape)} @ {Shapes.Format(b.shape)}: batch dimensions do not broadcast");
        }
        Tensor c = Output([.. batch, m, n], op: "MatMul"); // not zeroed: with β = 0 the GEMM writes C without reading it
        var left = new Operand(a, batch);
        var right = new Operand(b, batch);
        int[] cOffsets = BatchOffsets(batch, Shapes.ContiguousStrides(batch), 0, m * n);

        Gemms(batch, left.Transposed, right.Transposed, m, n, k,
            left.Data, left.Offsets, left.LeadingDimension, right.Data, right.Offsets, right.LeadingDimension,
            0f, c.data, cOffsets, n);

        return Record("MatMul", c, [a, b], dc =>
        {
            float[] dcData = dc.data;
            int[] dcOffsets = BatchOffsets(batch, Shapes.ContiguousStrides(batch), dc.offset, m * n);
            if (a.requiresGrad)
            {
                // dA[m,k] += dC[m,n] · op(B)ᵀ
                int[] gradOffsets = GradBatchOffsets(a, batch, m * k);
                var (grad, beta) = GradOf(a, Shapes.Count(batch));
                Gemms(batch, false, !right.Transposed, m, k, n,
                    dcData, dcOffsets, n, right.Data, right.Offsets, right.LeadingDimension,
                    beta, grad.data, gradOffsets, k);
            }
            if (b.requiresGrad && right.Transposed && Shapes.Count(batch) == 1 && b.node is not null && (b.Grad is null || IsTransposedBuffer(b.Grad, k, n)))
            {
                // B is a transposed view (x·Wᵀ, the tied head): its gradient is kept in W's own layout,
                // dBᵀ[n,k] (+)= dC[m,n]ᵀ · op(A), and B's gradient is the transposed view of that buffer, so the
                // gradient reaches W in memory order rather than by a strided transpose. (B is an intermediate:
                // its gradient buffer goes back to the pool after B's own rule has used it; any other rule that
                // needs B's gradient row-major gets a copy, see EnsureGrad.)
                float beta = b.Grad is null ? 0f : 1f;
                float[] buffer = b.Grad?.data ?? BufferPool.Rent(n * k);
                Gemms(batch, true, left.Transposed, n, k, m,
                    dcData, dcOffsets, n, left.Data, left.Offsets, left.LeadingDimension,
                    beta, buffer, [0], k);
                if (b.Grad is null)
                {
                    b.Grad = new Tensor(buffer, [n, k]).WithLayout([k, n], [1, k], 0);
                    b.gradIsPooled = true;
                }
            }
            else if (b.requiresGrad)
            {
                // dB[k,n] += op(A)ᵀ · dC[m,n]
                int[] gradOffsets = GradBatchOffsets(b, batch, k * n);
                var (grad, beta) = GradOf(b, Shapes.Count(batch));
                Gemms(batch, !left.Transposed, false, k, n, m,
                    left.Data, left.Offsets, left.LeadingDimension, dcData, dcOffsets, n,
                    beta, grad.data, gradOffsets, n);
            }
        });
    }

    /// <summary>
    /// An operand's gradient buffer and the β to write it with: a single product (a Linear layer's) whose
    /// operand has no gradient yet writes it with β = 0, sparing the zeroing of a fresh buffer; a batch
    /// adds (β = 1) into a zeroed one, since its products may be split into several calls that sum into
    /// the same matrix of a broadcast operand.
    /// </summary>
    private static bool IsTransposedBuffer(Tensor grad, int rows, int cols) =>
        grad.offset == 0 && grad.strides.Length == 2 && grad.shape[0] == rows && grad.shape[1] == cols
        && (grad.strides[0] == 1 || rows == 1) && (grad.strides[1] == rows || cols == 1) && !grad.IsContiguous;

    private static (Tensor Grad, float Beta) GradOf(Tensor operand, int products) =>
        products == 1 ? operand.GradForOverwrite() : (operand.EnsureGrad(), 1f);

    /// <summary>
    /// How GEMM reads one operand: its storage, the start of each batch matrix, and whether the matrix is
    /// row-major (element [i, j] at i·ld + j) or a transposed view (at j·ld + i). A view that is neither
    /// (e.g. every other column) is copied once into a contiguous buffer.
    /// </summary>
    private readonly struct Operand
    {
        public readonly float[] Data;
        public readonly int[] Offsets;
        public readonly bool Transposed;
        public readonly int LeadingDimension;

        public Operand(Tensor t, int[] batch)
        {
            int rows = t.shape[^2], cols = t.shape[^1];
            int rowStride = t.strides[^2], colStride = t.strides[^1];
            Tensor source = t;
            if ((colStride == 1 || cols == 1) && (rows == 1 || rowStride >= cols))
            {
                Transposed = false;
                LeadingDimension = rows == 1 ? Math.Max(cols, 1) : rowStride;
            }
            else if ((rowStride == 1 || rows == 1) && (cols == 1 || colStride >= rows))
            {
                Transposed = true;
                LeadingDimension = cols == 1 ? Math.Max(rows, 1) : colStride;
            }
            else
            {
                source = t.Detach().Contiguous();
                Transposed = false;
                LeadingDimension = Math.Max(cols, 1);
            }
            Data = source.data;
            int[] batchStrides = Shapes.BroadcastStrides(source.shape[..^2], source.strides[..^2], batch);
            Offsets = BatchOffsets(batch, batchStrides, source.offset, 0);
        }
    }

    /// <summary>Where each batch matrix of a contiguous gradient starts; broadcast batch dims (stride 0) repeat.</summary>
    private static int[] GradBatchOffsets(Tensor t, int[] batch, int matrixSize)
    {
        int[] own = t.shape[..^2];
        int[] ownStrides = Shapes.ContiguousStrides(own);
        for (int i = 0; i < ownStrides.Length; i++) ownStrides[i] *= matrixSize;
        return BatchOffsets(batch, Shapes.BroadcastStrides(own, ownStrides, batch), 0, 0);
    }

    /// <summary>The storage offset of each matrix of the batch, in row-major batch order.</summary>
    private static int[] BatchOffsets(int[] batch, int[] strides, int start, int matrixSize)
    {
        int count = Shapes.Count(batch);
        var offsets = new int[count];
        var index = new int[batch.Length];
        int position = start;
        for (int i = 0; i < count; i++)
        {
            offsets[i] = position;
            for (int d = batch.Length - 1; d >= 0; d--)
            {
                int step = matrixSize > 0 ? strides[d] * matrixSize : strides[d];
                position += step;
                if (++index[d] < batch[d]) break;
                position -= step * batch[d];
                index[d] = 0;
            }
        }
        return offsets;
    }

    /// <summary>
    /// One GEMM per batch matrix, as few kernel calls as the layout allows. When every operand's matrices
    /// are evenly spaced (the usual case) this is one batched call. Otherwise (e.g. attention heads cut out
    /// of a fused qkv projection: evenly spaced within a sequence, not across) it is one batched call per
    /// group along the last batch dimension. A stride of 0 for C (a broadcast operand's gradient) makes the
    /// batched GEMM add every product into the same matrix, in batch order.
    /// </summary>
    private static void Gemms(int[] batch, bool transA, bool transB, int m, int n, int k,
        float[] a, int[] aOffsets, int lda, float[] b, int[] bOffsets, int ldb, float beta, float[] c, int[] cOffsets, int ldc)
    {
        int count = cOffsets.Length;
        if (count == 0 || m == 0 || n == 0) return;
        int group = EvenlySpaced(aOffsets, bOffsets, cOffsets, 0, count) ? count
            : batch.Length > 0 && batch[^1] > 1 ? batch[^1] : 1;
        for (int start = 0; start < count; start += group)
        {
            if (group == 1 || EvenlySpaced(aOffsets, bOffsets, cOffsets, start, group)) Batched(start, group);
            else for (int i = start; i < start + group; i++) Batched(i, 1); // no regular layout: one at a time
        }

        void Batched(int start, int length)
        {
            long strideA = length > 1 ? aOffsets[start + 1] - aOffsets[start] : 0;
            long strideB = length > 1 ? bOffsets[start + 1] - bOffsets[start] : 0;
            long strideC = length > 1 ? cOffsets[start + 1] - cOffsets[start] : 0;
            Gemm.SgemmBatched(length, transA, transB, m, n, k, 1f,
                a.AsSpan(aOffsets[start]), lda, strideA, b.AsSpan(bOffsets[start]), ldb, strideB,
                beta, c.AsSpan(cOffsets[start]), ldc, strideC);
        }
    }

    /// <summary>True if offsets[start..start+length) of all three operands are arithmetic progressions with non-negative steps.</summary>
    private static bool EvenlySpaced(int[] a, int[] b, int[] c, int start, int length) =>
        EvenlySpaced(a.AsSpan(start, length)) && EvenlySpaced(b.AsSpan(start, length)) && EvenlySpaced(c.AsSpan(start, length));

    private static bool EvenlySpaced(ReadOnlySpan<int> offsets)
    {
        if (offsets.Length < 2) return true;
        int stride = offsets[1] - offsets[0];
        if (stride < 0) return false;
        for (int i = 2; i < offsets.Length; i++)
            if (offsets[i] - offsets[i - 1] != stride) return false;
        return true;
    }
}
