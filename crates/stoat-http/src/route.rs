//! Every route the client calls, as a typed value: its method, its
//! template, its rate-limit bucket and whether a repeat is safe, all fixed
//! when the crate is compiled, so nothing about a route is parsed from a
//! string while a request is sent.

use std::fmt;

/// An HTTP method of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `PATCH`.
    Patch,
    /// `DELETE`.
    Delete,
}

impl Method {
    /// The method as written on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }

    pub(crate) fn to_hyper(self) -> hyper::Method {
        match self {
            Self::Get => hyper::Method::GET,
            Self::Post => hyper::Method::POST,
            Self::Put => hyper::Method::PUT,
            Self::Patch => hyper::Method::PATCH,
            Self::Delete => hyper::Method::DELETE,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rate-limit bucket of the server's table (spec 7.2): its name, its
/// default limit per 10 s window, and which path segment (if any) makes one
/// bucket per resource (a channel, the edited user, an upload tag).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Bucket {
    /// `users`: the `/users` routes not listed below.
    Users,
    /// `user_edit`: `PATCH /users/…`, one per edited user.
    UserEdit,
    /// `default_avatar`: `/users/{target}/default_avatar`.
    DefaultAvatar,
    /// `bots`.
    Bots,
    /// `messaging`: `POST /channels/{target}/messages…`, one per channel.
    Messaging,
    /// `channels`: other `/channels` routes, one per channel.
    Channels,
    /// `servers`, one per server.
    Servers,
    /// `auth`.
    Auth,
    /// `auth_delete`: `DELETE /auth/…`.
    AuthDelete,
    /// `safety`.
    Safety,
    /// `safety_report`: `/safety/report`.
    SafetyReport,
    /// `swagger`.
    Swagger,
    /// `any`: everything else.
    Any,
    /// `upload`: the file server, one per tag.
    Upload,
}

impl Bucket {
    /// The server's name for it, e.g. `user_edit`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Users => "users",
            Self::UserEdit => "user_edit",
            Self::DefaultAvatar => "default_avatar",
            Self::Bots => "bots",
            Self::Messaging => "messaging",
            Self::Channels => "channels",
            Self::Servers => "servers",
            Self::Auth => "auth",
            Self::AuthDelete => "auth_delete",
            Self::Safety => "safety",
            Self::SafetyReport => "safety_report",
            Self::Swagger => "swagger",
            Self::Any => "any",
            Self::Upload => "upload",
        }
    }

    /// The server's default limit per window.
    pub const fn limit(self) -> u32 {
        match self {
            Self::UserEdit => 2,
            Self::SafetyReport => 3,
            Self::Servers => 5,
            Self::Bots | Self::Messaging | Self::Upload => 10,
            Self::Channels | Self::Auth | Self::Safety => 15,
            Self::Users | Self::Any => 20,
            Self::Swagger => 100,
            Self::DefaultAvatar | Self::AuthDelete => 255,
        }
    }

    /// Which segment of the path (0-based, after the leading `/`) names the
    /// resource counted apart, if the bucket is kept per resource.
    pub const fn resource_segment(self) -> Option<usize> {
        match self {
            Self::Upload => Some(0),
            Self::UserEdit | Self::Messaging | Self::Channels | Self::Servers | Self::SafetyReport => Some(1),
            _ => None,
        }
    }

    /// The bucket the server's table gives a request (spec 7.2), from its
    /// method and path segments; what every [`Route`]'s stored bucket is
    /// checked against, and what a request outside the table is given.
    pub fn classify(method: &str, cdn: bool, segments: &[&str]) -> Self {
        match (cdn, method, segments) {
            (true, _, _) => Self::Upload,
            (_, "PATCH", ["users", _, ..]) => Self::UserEdit,
            (_, _, ["users", _, "default_avatar"]) => Self::DefaultAvatar,
            (_, _, ["users", ..]) => Self::Users,
            (_, _, ["bots", ..]) => Self::Bots,
            (_, "POST", ["channels", _, "messages", ..]) => Self::Messaging,
            (_, _, ["channels", ..]) => Self::Channels,
            (_, _, ["servers", ..]) => Self::Servers,
            (_, "DELETE", ["auth", ..]) => Self::AuthDelete,
            (_, _, ["auth", ..]) => Self::Auth,
            (_, _, ["safety", "report"]) => Self::SafetyReport,
            (_, _, ["safety", ..]) => Self::Safety,
            (_, _, ["swagger", ..]) => Self::Swagger,
            _ => Self::Any,
        }
    }
}

/// Whether a request may be sent again after its answer was lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Repeat {
    /// Sending it twice has the effect and the answer of sending it once
    /// (`GET`, and the `PUT` and `DELETE` routes that are).
    Safe,
    /// Safe only with an idempotency key, which the server uses to refuse
    /// the second copy (`POST`, `PATCH`).
    WithKey,
    /// Never: the effect is the same but the answer is not (the friend and
    /// block routes, whose repeat fails with `AlreadySentRequest`,
    /// `NoEffect`… where the first try worked).
    Never,
}

/// One route of the API.
///
/// ```
/// use stoat_http::{Method, Route};
/// use stoat_http::ratelimit::Bucket;
///
/// let route = Route::GET_USER;
/// assert_eq!((route.method(), route.template()), (Method::Get, "/users/{target}"));
/// assert_eq!((route.bucket(), route.to_string()), (Bucket::Users, "GET /users/{target}".into()));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Route {
    method: Method,
    name: &'static str,
    bucket: Bucket,
    repeat: Repeat,
}

impl Route {
    /// A route: `name` is the method, a space and the template
    /// (`"GET /users/{target}"`), checked when the constant is compiled.
    /// Its repeat rule is the method's ([`Repeat::Safe`] for `GET`, `PUT`
    /// and `DELETE`, [`Repeat::WithKey`] otherwise); see [`Route::never_repeated`].
    ///
    /// # Panics
    ///
    /// When `name` does not start with the method and a space; in a
    /// constant, that is a compile error.
    pub const fn new(method: Method, name: &'static str, bucket: Bucket) -> Self {
        let prefix = method.as_str().as_bytes();
        let bytes = name.as_bytes();
        assert!(bytes.len() > prefix.len() && bytes[prefix.len()] == b' ');
        let mut i = 0;
        while i < prefix.len() {
            assert!(bytes[i] == prefix[i], "a route's name starts with its method");
            i += 1;
        }
        let repeat = match method {
            Method::Get | Method::Put | Method::Delete => Repeat::Safe,
            Method::Post | Method::Patch => Repeat::WithKey,
        };
        Self {
            method,
            name,
            bucket,
            repeat,
        }
    }

    /// The same route, never repeated (see [`Repeat::Never`]).
    #[must_use]
    pub const fn never_repeated(mut self) -> Self {
        self.repeat = Repeat::Never;
        self
    }

    /// The method.
    pub const fn method(self) -> Method {
        self.method
    }

    /// The method and the template, e.g. `GET /users/{target}`: what logs
    /// and errors show instead of the path.
    pub const fn name(self) -> &'static str {
        self.name
    }

    /// The template, e.g. `/users/{target}`.
    pub fn template(self) -> &'static str {
        &self.name[self.method.as_str().len() + 1..]
    }

    /// The rate-limit bucket.
    pub const fn bucket(self) -> Bucket {
        self.bucket
    }

    /// Whether a repeat is safe.
    pub const fn repeat(self) -> Repeat {
        self.repeat
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// Declares the route constants and [`Route::ALL`] from one list.
macro_rules! routes {
    ($($(#[$doc:meta])* $name:ident = $method:ident $route:literal, $bucket:ident $(, $never:ident)?;)*) => {
        impl Route {
            $(
                $(#[$doc])*
                pub const $name: Route = Route::new(Method::$method, $route, Bucket::$bucket) $(.$never())?;
            )*

            /// Every route this crate calls.
            pub const ALL: &'static [Route] = &[$(Route::$name),*];
        }
    };
}

routes! {
    /// `GET /users/@me`.
    GET_CURRENT_USER = Get "GET /users/@me", Users;
    /// `GET /users/dms`.
    GET_DM_CHANNELS = Get "GET /users/dms", Users;
    /// `GET /users/{target}`.
    GET_USER = Get "GET /users/{target}", Users;
    /// `GET /users/{target}/profile`.
    GET_PROFILE = Get "GET /users/{target}/profile", Users;
    /// `GET /users/{target}/flags`.
    GET_FLAGS = Get "GET /users/{target}/flags", Users;
    /// `GET /users/{target}/default_avatar`.
    GET_DEFAULT_AVATAR = Get "GET /users/{target}/default_avatar", DefaultAvatar;
    /// `GET /users/{target}/dm`.
    OPEN_DM = Get "GET /users/{target}/dm", Users;
    /// `GET /users/{target}/mutual`.
    GET_MUTUALS = Get "GET /users/{target}/mutual", Users;
    /// `PUT /users/{target}/friend`.
    ADD_FRIEND = Put "PUT /users/{target}/friend", Users, never_repeated;
    /// `DELETE /users/{target}/friend`.
    REMOVE_FRIEND = Delete "DELETE /users/{target}/friend", Users, never_repeated;
    /// `PUT /users/{target}/block`.
    BLOCK = Put "PUT /users/{target}/block", Users, never_repeated;
    /// `DELETE /users/{target}/block`.
    UNBLOCK = Delete "DELETE /users/{target}/block", Users, never_repeated;
    /// `POST /users/friend`.
    SEND_FRIEND_REQUEST = Post "POST /users/friend", Users;
    /// `PATCH /users/{target}`.
    EDIT_USER = Patch "PATCH /users/{target}", UserEdit;
    /// `PATCH /users/@me/username`.
    CHANGE_USERNAME = Patch "PATCH /users/@me/username", UserEdit;
    /// `GET /channels/{target}`.
    GET_CHANNEL = Get "GET /channels/{target}", Channels;
    /// `DELETE /channels/{target}`.
    CLOSE_DM = Delete "DELETE /channels/{target}", Channels;
    /// `POST /channels/{target}/messages`.
    SEND_MESSAGE = Post "POST /channels/{target}/messages", Messaging;
    /// `GET /channels/{target}/messages`.
    GET_MESSAGES = Get "GET /channels/{target}/messages", Channels;
    /// `GET /channels/{target}/messages/{msg}`.
    GET_MESSAGE = Get "GET /channels/{target}/messages/{msg}", Channels;
    /// `POST /channels/{target}/search`.
    SEARCH_MESSAGES = Post "POST /channels/{target}/search", Channels;
    /// `PUT /channels/{target}/ack/{message}`.
    ACKNOWLEDGE = Put "PUT /channels/{target}/ack/{message}", Channels;
    /// `POST /channels/{target}/join_call`.
    JOIN_CALL = Post "POST /channels/{target}/join_call", Channels;
    /// `PUT /channels/{target}/end_ring/{user}`.
    END_RING = Put "PUT /channels/{target}/end_ring/{user}", Channels;
    /// `GET /`: the node's configuration.
    NODE_INFO = Get "GET /", Any;
    /// `POST /safety/report`.
    REPORT = Post "POST /safety/report", SafetyReport;
    /// `POST {cdn}/{tag}`: an upload to the file server.
    UPLOAD = Post "POST {cdn}/{tag}", Upload;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The template with every `{…}` replaced by a sample value, as a path.
    fn sample_path(route: Route) -> String {
        let template = route.template().trim_start_matches("{cdn}");
        let mut path = String::new();
        for segment in template.split('/').skip(1) {
            path.push('/');
            path.push_str(if segment.starts_with('{') {
                "01SAMPLE"
            } else {
                segment
            });
        }
        path.push_str(if path.is_empty() { "/" } else { "" });
        path
    }

    #[test]
    fn every_route_has_the_bucket_of_the_server_table() {
        for route in Route::ALL {
            let path = sample_path(*route);
            let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
            let cdn = route.template().starts_with("{cdn}");
            let table = Bucket::classify(route.method().as_str(), cdn, &segments);
            assert_eq!(route.bucket(), table, "{route} ({path})");
        }
        assert_eq!(Route::ALL.len(), 27, "a route added to the list is walked here");
    }

    #[test]
    fn only_the_friend_and_block_routes_are_never_repeated() {
        let never: Vec<_> = Route::ALL
            .iter()
            .filter(|r| r.repeat() == Repeat::Never)
            .map(|r| r.name())
            .collect();
        assert_eq!(
            never,
            [
                "PUT /users/{target}/friend",
                "DELETE /users/{target}/friend",
                "PUT /users/{target}/block",
                "DELETE /users/{target}/block"
            ]
        );
        assert_eq!(Route::SEND_MESSAGE.repeat(), Repeat::WithKey);
        assert_eq!(Route::ACKNOWLEDGE.repeat(), Repeat::Safe);
    }

    #[test]
    fn names_are_method_and_template() {
        for route in Route::ALL {
            assert_eq!(
                route.to_string(),
                format!("{} {}", route.method(), route.template())
            );
        }
        assert_eq!(Route::UPLOAD.template(), "{cdn}/{tag}");
    }
}
