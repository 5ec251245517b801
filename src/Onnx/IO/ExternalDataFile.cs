using System.Runtime.InteropServices;

namespace Pipelines.Onnx;

/// <summary>
/// Where an external-data location really points: links are followed component by component (realpath semantics,
/// folder links on the way included) and the file type is read with <c>stat</c>, so a FIFO or device is refused
/// without ever being opened.
/// </summary>
internal static partial class ExternalDataFile
{
    /// <summary>Most links followed while resolving one path (Linux's MAXSYMLINKS).</summary>
    private const int MaxLinkHops = 40;

    // File-type bits of the runtime's platform-neutral FileStatus.Mode (pal_io.h; the same values as Linux's S_IF*).
    private const int TypeMask = 0xF000;
    private const int TypeFifo = 0x1000;
    private const int TypeCharDevice = 0x2000;
    private const int TypeDirectory = 0x4000;
    private const int TypeBlockDevice = 0x6000;
    private const int TypeRegular = 0x8000;
    private const int TypeSocket = 0xC000;

    /// <summary>What a resolved path is.</summary>
    public enum Kind
    {
        /// <summary>Nothing there.</summary>
        Missing,

        /// <summary>A regular file.</summary>
        Regular,

        /// <summary>A directory.</summary>
        Directory,

        /// <summary>A FIFO (named pipe).</summary>
        Fifo,

        /// <summary>A character or block device.</summary>
        Device,

        /// <summary>A socket or another special file.</summary>
        Special,
    }

    /// <summary>The canonical path of <paramref name="path"/>: absolute, every link on the way followed.</summary>
    /// <exception cref="IOException">A link loop (more than <see cref="MaxLinkHops"/> links).</exception>
    public static string RealPath(string path)
    {
        string full = Path.GetFullPath(path);
        string root = Path.GetPathRoot(full) ?? "/";
        var pending = new Stack<string>(Components(full[root.Length..]).Reverse());
        string current = root;
        int hops = 0;
        while (pending.TryPop(out string? part))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? root;
                continue;
            }

            string next = Path.Combine(current, part);
            string? target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }

            if (++hops > MaxLinkHops)
            {
                throw new IOException($"Too many levels of symbolic links resolving '{path}'.");
            }

            if (Path.IsPathRooted(target))
            {
                current = Path.GetPathRoot(target) ?? root;
                target = target[current.Length..];
            }

            foreach (string t in Components(target).Reverse())
            {
                pending.Push(t);
            }
        }

        return current;
    }

    /// <summary>True when <paramref name="path"/> lies strictly inside <paramref name="folder"/> (both canonical).</summary>
    public static bool IsInside(string path, string folder)
    {
        StringComparison comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        string prefix = Path.EndsInDirectorySeparator(folder) ? folder : folder + Path.DirectorySeparatorChar;
        return path.Length > prefix.Length && path.StartsWith(prefix, comparison);
    }

    /// <summary>The type of the file at <paramref name="path"/>, read without opening it.</summary>
    public static Kind KindOf(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            var info = new FileInfo(path);
            return !info.Exists && !Directory.Exists(path) ? Kind.Missing
                : info.Attributes.HasFlag(FileAttributes.Directory) ? Kind.Directory
                : info.Attributes.HasFlag(FileAttributes.Device) ? Kind.Device
                : Kind.Regular;
        }

        // The runtime's FileStatus starts with int32 Flags, int32 Mode; the buffer is larger than the whole struct.
        byte[] status = new byte[512];
        if (Stat(path, status) != 0)
        {
            return Kind.Missing;
        }

        return (BitConverter.ToInt32(status, 4) & TypeMask) switch
        {
            TypeRegular => Kind.Regular,
            TypeDirectory => Kind.Directory,
            TypeFifo => Kind.Fifo,
            TypeCharDevice or TypeBlockDevice => Kind.Device,
            TypeSocket => Kind.Special,
            _ => Kind.Special,
        };
    }

    /// <summary>Words for <paramref name="kind"/> in messages.</summary>
    public static string Describe(Kind kind) => kind switch
    {
        Kind.Directory => "a directory",
        Kind.Fifo => "a FIFO (named pipe)",
        Kind.Device => "a device",
        Kind.Special => "a special file",
        Kind.Missing => "missing",
        _ => "a regular file",
    };

    private static IEnumerable<string> Components(string path) =>
        path.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);

    // stat(2) through the runtime's own shim (present wherever .NET runs on Unix), which normalises struct stat.
    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, [Out] byte[] output);
}
