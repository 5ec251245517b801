namespace Pipelines.Testing;

/// <summary>
/// The project's <c>../shared</c> folder (real data sets beside the repository). Unit tests must pass without it:
/// use <see cref="TryGet"/> and return early (or use tiny generated data) when it is absent.
/// </summary>
public static class SharedData
{
    /// <summary>The shared folder, or null when it is not beside the repository.</summary>
    public static string? Root { get; } = FindRoot();

    /// <summary>The full path of <paramref name="relative"/> under shared/, or null when absent.</summary>
    public static string? TryGet(string relative)
    {
        if (Root is null)
        {
            return null;
        }

        string path = System.IO.Path.Combine(Root, relative);
        return File.Exists(path) || Directory.Exists(path) ? path : null;
    }

    private static string? FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Pipelines.sln")))
            {
                string shared = System.IO.Path.Combine(dir.FullName, "..", "shared");
                return Directory.Exists(shared) ? System.IO.Path.GetFullPath(shared) : null;
            }

            dir = dir.Parent;
        }

        return null;
    }
}
