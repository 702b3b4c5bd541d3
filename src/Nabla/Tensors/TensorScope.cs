namespace Nabla.Tensors;

/// <summary>
/// Gives the storage of every tensor computed inside it back to the buffer pool when it ends, so a
/// training loop reuses the same activation buffers step after step instead of allocating them:
/// <code>
/// using (var scope = new TensorScope())
/// {
///     Tensor loss = model.Forward(x, y);
///     loss.Backward();
///     optimizer.Step();
///     lastLoss = loss.Item();          // read what you need inside the scope...
///     kept = scope.Keep(logits);       // ...or keep a tensor alive past it
/// }
/// </code>
/// Only outputs of operations are scoped: tensors made by creation functions (Zeros, Randn, FromArray),
/// parameters (any leaf given RequiresGrad = true, even one computed inside the scope) and gradients of
/// leaves are never reclaimed. A tensor used after its scope ended throws,
/// naming the scope, instead of reading a recycled buffer. Scopes nest and are per thread.
/// (.NET has no reference counting to tell when an activation dies; PyTorch frees it at the last
/// reference, TorchSharp offers the same kind of dispose scope.)
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? current;

    private readonly TensorScope? parent;
    private readonly List<Tensor> tensors = [];
    private readonly HashSet<float[]> kept = new(ReferenceEqualityComparer.Instance);
    private bool disposed;

    public TensorScope()
    {
        parent = current;
        current = this;
    }

    /// <summary>The innermost scope on this thread, or null.</summary>
    internal static TensorScope? Current => current;

    /// <summary>Keeps <paramref name="tensor"/>'s storage (and every view of it) alive after this scope;
    /// it then belongs to the enclosing scope, if any.</summary>
    public Tensor Keep(Tensor tensor)
    {
        if (tensor.scope == this) kept.Add(tensor.data);
        return tensor;
    }

    internal void Register(Tensor tensor) => tensors.Add(tensor);

    /// <summary>Takes <paramref name="tensor"/>'s storage out of every scope it is in, for good: it will never
    /// return to the pool (a parameter made inside a scope).</summary>
    internal static void Release(Tensor tensor)
    {
        for (TensorScope? s = tensor.scope; s is not null; s = s.parent) s.kept.Add(tensor.data);
    }

    public void Dispose()
    {
        if (disposed) return;
        if (current != this) throw new InvalidOperationException("TensorScope: scopes must end in the reverse order they began");
        disposed = true;
        current = parent;
        foreach (Tensor t in tensors)
        {
            if (kept.Contains(t.data))
            {
                t.scope = parent;
                parent?.Register(t);
                continue;
            }
            t.released = true;
            if (t.ownsScopedStorage) BufferPool.Return(t.data);
        }
        tensors.Clear();
        kept.Clear();
    }
}

public sealed partial class Tensor
{
    internal TensorScope? scope;
    internal bool ownsScopedStorage;
    internal bool released;

    /// <summary>
    /// A new contiguous float32 tensor for an operation's output: from the buffer pool inside a
    /// <see cref="TensorScope"/> (contents arbitrary unless <paramref name="zeroed"/>), freshly allocated otherwise.
    /// </summary>
    internal static Tensor Output(int[] shape, bool zeroed = false, string? op = null)
    {
        int count = Shapes.Count(shape, op);
        TensorScope? scope = TensorScope.Current;
        if (scope is null) return new Tensor(new float[count], shape);
        var t = new Tensor(zeroed ? BufferPool.RentZeroed(count) : BufferPool.Rent(count), shape)
        {
            scope = scope,
            ownsScopedStorage = true,
        };
        scope.Register(t);
        return t;
    }

    /// <summary>Views of scoped storage belong to the same scope, so they are released with it.</summary>
    private void InheritScope(Tensor source)
    {
        if (source.scope is null) return;
        scope = source.scope;
        scope.Register(this);
    }

    internal void EnsureAlive(string op)
    {
        if (released)
            throw new ObjectDisposedException(nameof(Tensor),
                $"{op}: this tensor {Shapes.Format(shape)} was computed inside a TensorScope that has ended, and its storage was reused; call scope.Keep(tensor) to keep it");
    }
}
