using System.Text;
using Nabla.Tensors;

namespace Nabla.NN;

/// <summary>
/// A piece of a model: its parameters (tensors the optimizer trains), its buffers (state that is saved but
/// not trained, such as BatchNorm's running statistics) and its child modules, each registered under a
/// name. Names compose into PyTorch's dotted state-dict names (<c>blocks.0.attn.c_attn.weight</c>), so
/// checkpoints move between Nabla, PyTorch and Hugging Face.
/// </summary>
/// <remarks>
/// C# has no <c>__setattr__</c> to notice assignments, so a module registers what it owns in its
/// constructor: <c>Weight = Parameter("weight", ...)</c>, <c>Attn = Child("attn", new Attention(...))</c>.
/// Each parameter's <see cref="Tensor.Name"/> is kept equal to its full dotted name, so an error about it
/// (an in-place update while recording, a shape mismatch on load) says which one.
/// </remarks>
public abstract class Module
{
    private readonly List<(string Name, Tensor Tensor)> parameters = [];
    private readonly List<(string Name, Tensor Tensor)> buffers = [];
    private readonly List<(string Name, Module Module)> children = [];

    /// <summary>True in training mode (the default): dropout drops and BatchNorm uses batch statistics.</summary>
    public bool IsTraining { get; private set; } = true;

    /// <summary>Registers a trainable tensor under <paramref name="name"/>; it is made a leaf that requires a gradient.</summary>
    protected Tensor Parameter(string name, Tensor value)
    {
        CheckNewName(name);
        if (!value.IsLeaf) value = value.Detach();
        value.RequireGrad();
        value.Name = name;
        parameters.Add((name, value));
        return value;
    }

    /// <summary>Registers state that is saved and loaded with the model but not trained.</summary>
    protected Tensor Buffer(string name, Tensor value)
    {
        CheckNewName(name);
        value.Name = name;
        buffers.Add((name, value));
        return value;
    }

    /// <summary>Registers a child module; its names are prefixed with <paramref name="name"/>.</summary>
    protected T Child<T>(string name, T module) where T : Module
    {
        CheckNewName(name);
        children.Add((name, module));
        foreach (var (childName, tensor) in module.NamedTensors()) tensor.Name = name + "." + childName;
        return module;
    }

    private void CheckNewName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"{GetType().Name}: '{name}' is not a valid name (non-empty, no '.')");
        if (parameters.Any(p => p.Name == name) || buffers.Any(b => b.Name == name) || children.Any(c => c.Name == name))
            throw new ArgumentException($"{GetType().Name}: '{name}' is registered twice");
    }

    /// <summary>Every parameter of this module and its descendants, with its dotted name, in registration order.</summary>
    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters() => Walk(m => m.parameters);

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Parameter);

    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers() => Walk(m => m.buffers);

    /// <summary>This module ("") and every descendant, with its dotted path.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules()
    {
        yield return ("", this);
        foreach (var (name, child) in children)
            foreach (var (sub, module) in child.NamedModules())
                yield return (sub.Length == 0 ? name : name + "." + sub, module);
    }

    public IReadOnlyList<Module> Children => children.Select(c => c.Module).ToList();

    private IEnumerable<(string, Tensor)> NamedTensors() => NamedParameters().Concat(NamedBuffers());

    private IEnumerable<(string, Tensor)> Walk(Func<Module, List<(string Name, Tensor Tensor)>> own)
    {
        foreach (var (path, module) in NamedModules())
            foreach (var (name, tensor) in own(module))
                yield return (path.Length == 0 ? name : path + "." + name, tensor);
    }

    /// <summary>Total number of trainable values.</summary>
    public long ParameterCount() => Parameters().Sum(p => (long)p.Count);

    /// <summary>Sets training or evaluation mode on this module and every descendant; returns this.</summary>
    public Module Train(bool training = true)
    {
        foreach (var (_, module) in NamedModules()) module.IsTraining = training;
        return this;
    }

    public Module Eval() => Train(false);

    /// <summary>Zeroes every parameter's gradient in place (keeping the buffers, so the next step allocates nothing).</summary>
    public void ZeroGrad()
    {
        foreach (Tensor p in Parameters()) p.Grad?.ZeroInPlace();
    }

    /// <summary>The parameters and buffers by dotted name: the tensors themselves, not copies.</summary>
    public Dictionary<string, Tensor> StateDict() => NamedTensors().ToDictionary(t => t.Item1, t => t.Item2);

    /// <summary>
    /// Copies <paramref name="state"/> into this module's parameters and buffers. Strict (the default): every
    /// name must be present, none unexpected, every shape equal; the error lists each problem by name.
    /// Not strict: only matching names are copied (a shape mismatch is still an error).
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        Dictionary<string, Tensor> own = StateDict();
        var problems = new List<string>();
        foreach (var (name, tensor) in own)
        {
            if (!state.TryGetValue(name, out Tensor? value)) { if (strict) problems.Add($"missing '{name}'"); continue; }
            if (!value.Shape.SequenceEqual(tensor.Shape))
                problems.Add($"'{name}' has shape {Shapes.Format(value.Shape)}, the model's is {Shapes.Format(tensor.Shape)}");
        }
        if (strict) problems.AddRange(state.Keys.Where(k => !own.ContainsKey(k)).Select(k => $"unexpected '{k}'"));
        if (problems.Count > 0)
            throw new InvalidDataException($"LoadStateDict ({GetType().Name}): {string.Join("; ", problems)}");
        using (Tensor.NoGrad())
            foreach (var (name, tensor) in own)
                if (state.TryGetValue(name, out Tensor? value)) tensor.CopyFrom(value);
    }

    /// <summary>A table of the modules with their own and total parameter counts, as a model summary.</summary>
    public string Summary()
    {
        var rows = NamedModules().Select(m => (
            Name: m.Name.Length == 0 ? "(model)" : m.Name,
            Type: m.Module.GetType().Name,
            Own: m.Module.parameters.Sum(p => (long)p.Tensor.Count),
            Total: m.Module.ParameterCount())).ToList();
        int nameWidth = Math.Max(6, rows.Max(r => r.Name.Length)), typeWidth = Math.Max(4, rows.Max(r => r.Type.Length));
        var text = new StringBuilder();
        text.AppendLine($"{"module".PadRight(nameWidth)}  {"type".PadRight(typeWidth)}  {"own",12}  {"total",12}");
        foreach (var r in rows)
            text.AppendLine($"{r.Name.PadRight(nameWidth)}  {r.Type.PadRight(typeWidth)}  {r.Own,12:N0}  {r.Total,12:N0}");
        return text.ToString();
    }
}

/// <summary>A module with one input and one output: the layers a <see cref="Sequential"/> chains.</summary>
public abstract class Module<TIn, TOut> : Module
{
    public abstract TOut Forward(TIn input);
}
