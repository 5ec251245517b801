namespace Pipelines;

/// <summary>
/// What went wrong, in the terms a caller acts on. The CLI maps each kind to an exit code: <see cref="Usage"/> is 2
/// (change the command line), every other kind is 1.
/// </summary>
public enum ErrorKind
{
    /// <summary>The caller asked for something that cannot be done as asked (an option out of range, conflicting options).</summary>
    Usage,

    /// <summary>An input data file or data view is malformed (a line, column, field or row is named).</summary>
    Data,

    /// <summary>A model file or graph is malformed or unsupported (the file, node, op or tensor is named).</summary>
    Model,

    /// <summary>The requested execution device cannot be used.</summary>
    Device,

    /// <summary>A budget (memory, size, time) would be exceeded; the message names the option that raises it.</summary>
    Resource,

    /// <summary>A bug in Pipelines: an invariant was broken.</summary>
    Internal,
}
